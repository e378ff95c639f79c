-- What the billing page shows comes from Stripe's objects: the billed amount, discounts, tax, the
-- subscription schedule's pending change, and the payment method in words.
ALTER TABLE "BillingCustomer" ADD COLUMN "paymentMethodLabel" TEXT;

ALTER TABLE "Subscription" ADD COLUMN "unitAmount" INTEGER,
ADD COLUMN "currency" TEXT,
ADD COLUMN "discounts" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN "automaticTax" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "scheduleId" TEXT,
ADD COLUMN "pendingChange" JSONB;
