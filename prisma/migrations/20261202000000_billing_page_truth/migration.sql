-- What the billing page shows comes from Stripe's objects: the billed amount, discounts, tax, the
-- subscription schedule's pending change, and the payment method in words.
ALTER TABLE "BillingCustomer" ADD COLUMN "paymentMethodLabel" TEXT;

ALTER TABLE "Subscription" ADD COLUMN "unitAmount" INTEGER,
ADD COLUMN "currency" TEXT,
ADD COLUMN "discounts" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN "automaticTax" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "scheduleId" TEXT,
ADD COLUMN "pendingChange" JSONB;

-- Until each customer's next sync writes Stripe's own wording, cards already mirrored keep being
-- shown (the page reads only the label now). `npm run stripe:reconcile` fills in the rest.
UPDATE "BillingCustomer"
SET "paymentMethodLabel" = initcap(replace(coalesce("cardBrand", 'card'), '_', ' ')) || ' ending in ' || "cardLast4"
WHERE "cardLast4" IS NOT NULL AND "paymentMethodLabel" IS NULL;
