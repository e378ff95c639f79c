/**
 * Runs once when a Next.js server starts. A long-running server (`npm run dev`, or `next start`
 * with BILLING_DRAIN_INTERVAL_SECONDS set) drains the billing sync queue on a timer, as the
 * backstop for syncs whose retry comes after the webhook's own drain gave up. Serverless
 * deployments get that from the reconcile cron instead (docs/billing-sync.md).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startDrainTimer } = await import("@/lib/billing/sync/drain");
  startDrainTimer();
}
