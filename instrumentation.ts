/**
 * Runs once when a Next.js server starts: drains the billing sync queue on a timer
 * (BILLING_DRAIN_INTERVAL_SECONDS), the backstop for syncs whose retry comes after the webhook's
 * own drain stopped. On serverless it runs only while an instance lives; the reconcile cron is the
 * backstop there (docs/billing-sync.md).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startDrainTimer } = await import("@/lib/billing/sync/drain");
  startDrainTimer();
}
