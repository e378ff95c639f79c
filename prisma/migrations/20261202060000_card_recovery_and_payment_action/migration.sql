-- Card recovery (issue 12, behaviour 1) and 3-D Secure action required (behaviour 9).

-- The customer's default card last applied to its subscriptions by the drain. Existing customers
-- start at the card they show now, so no old choice is replayed onto their subscriptions.
ALTER TABLE "BillingCustomer" ADD COLUMN "appliedDefaultPaymentMethodId" TEXT;
UPDATE "BillingCustomer" SET "appliedDefaultPaymentMethodId" = "defaultPaymentMethodId";
-- Card choices applied so far: part of the recovery's Idempotency-Keys (card-recovery.ts).
ALTER TABLE "BillingCustomer" ADD COLUMN "cardChoices" INTEGER NOT NULL DEFAULT 0;

-- An open invoice whose payment waits for the customer's authentication.
ALTER TABLE "Invoice" ADD COLUMN "paymentActionRequired" BOOLEAN NOT NULL DEFAULT false;
