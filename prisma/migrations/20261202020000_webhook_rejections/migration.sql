-- Webhook deliveries refused for their signature, counted per reason and minute (billing:doctor).

-- CreateTable
CREATE TABLE "WebhookRejection" (
    "reason" TEXT NOT NULL,
    "minute" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "lastAt" TIMESTAMP(3) NOT NULL,
    "lastEventId" TEXT,

    CONSTRAINT "WebhookRejection_pkey" PRIMARY KEY ("reason","minute")
);

-- CreateIndex
CREATE INDEX "WebhookRejection_minute_idx" ON "WebhookRejection"("minute");
