import { StripeUnavailableError } from "@/lib/billing/stripe/availability";
import { reconcileBilling, type ReconcileResult } from "@/lib/billing/sync/reconcile";
import { LeaseBusyError } from "@/lib/lease";
import { pruneExpiredRateLimits } from "@/lib/rate-limit";

/**
 * The scheduled safety net's work (the cron route in app/api/cron/reconcile/ owns the HTTP): the
 * sync queue's backstop, a budgeted reconciliation walk, the ledger's retention, and the pruning
 * of old rate-limit rows.
 */
export type MaintenanceOutcome =
  | { kind: "done"; result: ReconcileResult; rateLimitsPruned: number | null }
  | { kind: "busy" }
  | { kind: "stripe_unavailable"; message: string; rateLimitsPruned: number | null };

export async function runScheduledMaintenance(budgetMs: number): Promise<MaintenanceOutcome> {
  // Rate-limit windows (sign-in emails, billing sessions) matter for minutes only; the daily cron
  // keeps the table small. First, whatever billing does: it needs neither Stripe nor the lease.
  const rateLimitsPruned = await pruneExpiredRateLimits().catch((error: unknown) => {
    console.error(
      `[reconcile] pruning rate-limit windows failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    return null;
  });
  try {
    const result = await reconcileBilling({
      budgetMs,
      prune: true,
      source: "cron",
      log: (line) => console.log(`[reconcile] ${line}`),
    });
    return { kind: "done", result, rateLimitsPruned };
  } catch (error) {
    if (error instanceof LeaseBusyError) return { kind: "busy" };
    if (error instanceof StripeUnavailableError) {
      // One line, no stack: the run failed before any work, nothing was changed.
      console.error(`[reconcile] ${error.message}`);
      return { kind: "stripe_unavailable", message: error.message, rateLimitsPruned };
    }
    throw error;
  }
}
