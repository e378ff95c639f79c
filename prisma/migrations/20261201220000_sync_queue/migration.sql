-- The webhook pipeline's queue (CustomerSync), row leases (Lease) and the ledger's drain index.

-- CreateTable
CREATE TABLE "CustomerSync" (
    "customerId" TEXT NOT NULL,
    "requestSeq" INTEGER NOT NULL DEFAULT 0,
    "doneSeq" INTEGER NOT NULL DEFAULT 0,
    "runAfter" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseUntil" TIMESTAMP(3),
    "leaseToken" TEXT,
    "claimedSeq" INTEGER,
    "claimedAt" TIMESTAMP(3),
    "failures" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "fetchSeq" INTEGER NOT NULL DEFAULT 0,
    "snapshotSeq" INTEGER NOT NULL DEFAULT 0,
    "syncCount" INTEGER NOT NULL DEFAULT 0,
    "lastSyncedAt" TIMESTAMP(3),

    CONSTRAINT "CustomerSync_pkey" PRIMARY KEY ("customerId")
);

-- CreateTable
CREATE TABLE "Lease" (
    "key" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Lease_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "CustomerSync_runAfter_idx" ON "CustomerSync"("runAfter");

-- CreateIndex
CREATE INDEX "BillingCustomer_livemode_syncedAt_idx" ON "BillingCustomer"("livemode", "syncedAt");

-- DropIndex
DROP INDEX "StripeEvent_stripeCustomerId_idx";

-- CreateIndex
CREATE INDEX "StripeEvent_stripeCustomerId_processedAt_idx" ON "StripeEvent"("stripeCustomerId", "processedAt");

-- AddForeignKey
ALTER TABLE "CustomerSync" ADD CONSTRAINT "CustomerSync_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "BillingCustomer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
