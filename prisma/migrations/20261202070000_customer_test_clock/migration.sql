-- Stripe test clocks (issue 12, behaviour 6): a test-mode customer on a test clock lives at the
-- clock's frozen time; the sync stores it so billing code reads "now" from it (lib/clock.ts).
ALTER TABLE "BillingCustomer" ADD COLUMN "testClockId" TEXT;
ALTER TABLE "BillingCustomer" ADD COLUMN "testClockFrozenAt" TIMESTAMP(3);

-- `test_helpers.test_clock.ready` asks for a sync of the clock's customers.
CREATE INDEX "BillingCustomer_testClockId_idx" ON "BillingCustomer"("testClockId");
