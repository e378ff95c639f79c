import { syncStripeCustomer } from "@/lib/billing/sync";
import { db } from "@/lib/db";
import { stripeMode } from "@/lib/stripe";

export type ReconcileReport = {
  synced: number;
  skipped: { customerId: string; reason: string }[];
  failed: { customerId: string; error: string }[];
};

/**
 * Re-syncs every known customer of the configured mode from Stripe: the safety net for events
 * that never arrived (endpoint down longer than Stripe retries, a secret rotated too early...).
 * Same sync function as the webhooks, so it cannot disagree with them.
 */
export async function reconcileStripeCustomers(): Promise<ReconcileReport> {
  const customers = await db.billingCustomer.findMany({
    where: { deleted: false, livemode: stripeMode() === "live" },
    select: { id: true },
    orderBy: { createdAt: "asc" },
  });
  const report: ReconcileReport = { synced: 0, skipped: [], failed: [] };
  // One at a time: a reconciliation run should not compete with live webhooks for connections.
  for (const { id } of customers) {
    try {
      const result = await syncStripeCustomer(id);
      if (result.status === "synced") report.synced += 1;
      else report.skipped.push({ customerId: id, reason: result.reason });
    } catch (error) {
      report.failed.push({
        customerId: id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return report;
}
