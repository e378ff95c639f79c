-- Billing emails and the billing console (issue 16).

-- The HTML part of an email kept in the local outbox.
ALTER TABLE "OutboxEmail" ADD COLUMN "html" TEXT;

-- One billing email per (Stripe event, kind): recorded with the event, sent by the drain.
CREATE TABLE "BillingEmail" (
    "id" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "stripeCustomerId" TEXT NOT NULL,
    "subjectId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "runAfter" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseUntil" TIMESTAMP(3),
    "leaseToken" TEXT,
    "sentTo" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "lastError" TEXT,
    "detail" TEXT,
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BillingEmail_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "BillingEmail_eventId_kind_key" ON "BillingEmail"("eventId", "kind");
CREATE INDEX "BillingEmail_status_runAfter_idx" ON "BillingEmail"("status", "runAfter");
CREATE INDEX "BillingEmail_stripeCustomerId_kind_subjectId_idx" ON "BillingEmail"("stripeCustomerId", "kind", "subjectId");

-- What admins did in /admin/billing.
CREATE TABLE "AdminAuditLog" (
    "id" TEXT NOT NULL,
    "actorEmail" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "detail" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AdminAuditLog_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "AdminAuditLog_createdAt_idx" ON "AdminAuditLog"("createdAt");

-- Each reconciliation run and what it changed.
CREATE TABLE "ReconcileRun" (
    "id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "source" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3) NOT NULL,
    "changed" INTEGER NOT NULL,
    "unchanged" INTEGER NOT NULL,
    "skipped" INTEGER NOT NULL,
    "failed" INTEGER NOT NULL,
    "redriven" INTEGER NOT NULL,
    "drained" INTEGER NOT NULL,
    "changes" TEXT NOT NULL,

    CONSTRAINT "ReconcileRun_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "ReconcileRun_startedAt_idx" ON "ReconcileRun"("startedAt");
