import { drainSyncQueue, type DrainResult } from "@/lib/billing/sync/drain";
import { requestSyncs } from "@/lib/billing/sync/queue";
import { recordAdminAction } from "@/lib/admin/audit";
import { parseCustomerId } from "@/lib/admin/customer-state";
import { db } from "@/lib/db";

/**
 * "Resync now" on a customer's console page: the audit row first, then a sync of that customer
 * through the webhooks' own queue and drain (the guard, the ledger's events marked processed),
 * waited for up to `budgetMs`. The caller (the Server Action) has already checked requireAdmin.
 */

export const RESYNC_ACTION = "billing.resync";
export const RESYNC_BUDGET_MS = 20_000;

export type ResyncOutcome =
  | { kind: "invalid" }
  | { kind: "unknown"; customerId: string }
  | { kind: "synced" | "skipped" | "failed" | "busy"; customerId: string; reason?: string };

export async function resyncCustomer(
  actorEmail: string,
  rawCustomerId: unknown,
  budgetMs = RESYNC_BUDGET_MS,
): Promise<ResyncOutcome> {
  const customerId = parseCustomerId(rawCustomerId);
  if (!customerId) {
    const shown = typeof rawCustomerId === "string" ? rawCustomerId.slice(0, 100) : null;
    await recordAdminAction(actorEmail, RESYNC_ACTION, shown, "refused: not a customer id");
    return { kind: "invalid" };
  }
  const known = await db.billingCustomer.findUnique({
    where: { id: customerId },
    select: { id: true },
  });
  if (!known) {
    await recordAdminAction(actorEmail, RESYNC_ACTION, customerId, "refused: unknown customer");
    return { kind: "unknown", customerId };
  }
  await recordAdminAction(actorEmail, RESYNC_ACTION, customerId, "sync requested");

  await requestSyncs([customerId]);
  let result: DrainResult | undefined;
  await drainSyncQueue({
    customerIds: [customerId],
    budgetMs,
    concurrency: 1,
    onResult: (r) => {
      result = r;
    },
  });
  if (!result) {
    // Another worker held the customer past the budget: its sync finishes there.
    return { kind: "busy", customerId, reason: "another sync of this customer is still running" };
  }
  return result.status === "synced"
    ? { kind: "synced", customerId }
    : { kind: result.status, customerId, reason: result.reason };
}
