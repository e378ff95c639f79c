import { db } from "@/lib/db";
import type { ReconcileResult } from "@/lib/billing/sync/reconcile";

/**
 * One `ReconcileRun` row per run, with its counts and the changed (or failed) customers' lines,
 * for the billing console. A run that could not be recorded still did its work: it is logged.
 */
export async function recordRun(
  result: ReconcileResult,
  source: string,
  startedAt: Date,
): Promise<void> {
  const lines = result.customers.flatMap((c) => {
    if (c.status === "changed") {
      return [`${c.customerId} (user ${c.userId}): changed`, ...c.changes.map((l) => `  ${l}`)];
    }
    if (c.status === "failed") return [`${c.customerId} (user ${c.userId}): failed: ${c.reason}`];
    return [];
  });
  await db.reconcileRun
    .create({
      data: {
        livemode: result.mode === "live",
        source,
        startedAt,
        finishedAt: new Date(),
        changed: result.changed,
        unchanged: result.unchanged,
        skipped: result.skipped,
        failed: result.failed,
        redriven: result.redriven,
        drained: result.drained,
        changes: lines.join("\n"),
      },
    })
    .catch((error: unknown) => {
      console.error(
        `[reconcile] could not record the run: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
}
