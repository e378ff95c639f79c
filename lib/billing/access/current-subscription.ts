import type Stripe from "stripe";
import { PLAN_KEYS } from "@/lib/billing/catalog/plans";

/** What the rule needs from a synced subscription row (or anything shaped like one). */
export type SubscriptionLike = {
  id: string;
  status: string;
  stripeCreatedAt: Date;
  /** Catalog plan key, when known: of two live subscriptions, the higher plan wins. */
  planKey?: string | null;
};

/**
 * Rank of a status when choosing a customer's "current" subscription; lower wins. Statuses that
 * grant the plan come first, then the ones still alive but unpaid, then ended ones, so a newer
 * canceled subscription never hides an older active one (the bug `limit: 1` causes).
 */
const STATUS_RANK: Record<Stripe.Subscription.Status, number> = {
  active: 0,
  trialing: 0,
  past_due: 1,
  unpaid: 2,
  paused: 2,
  incomplete: 3,
  canceled: 4,
  incomplete_expired: 5,
};
// Statuses Stripe may add later rank just before ended ones: visible, never preferred.
const UNKNOWN_STATUS_RANK = 3.5;

export function subscriptionStatusRank(status: string): number {
  return STATUS_RANK[status] ?? UNKNOWN_STATUS_RANK;
}

/** Statuses in which the subscription still exists in Stripe's billing cycle (not ended). */
export function isLiveSubscriptionStatus(status: string): boolean {
  return status !== "canceled" && status !== "incomplete_expired";
}

/** Higher for better catalog plans (their order in PLAN_KEYS); unknown prices rank lowest. */
function planRank(planKey: string | null | undefined): number {
  return planKey ? (PLAN_KEYS as readonly string[]).indexOf(planKey) : -1;
}

/**
 * The one subscription the app treats as the customer's current one: best status rank, then the
 * better plan (two live subscriptions can exist if made outside the app: the customer gets what
 * they pay most for), then the newest (created), then the id as a stable tie-break. Null when
 * there is none.
 */
export function pickCurrentSubscription<T extends SubscriptionLike>(
  subscriptions: readonly T[],
): T | null {
  let best: T | null = null;
  for (const candidate of subscriptions) {
    if (!best || compareForCurrent(candidate, best) < 0) best = candidate;
  }
  return best;
}

function compareForCurrent(a: SubscriptionLike, b: SubscriptionLike): number {
  const byRank = subscriptionStatusRank(a.status) - subscriptionStatusRank(b.status);
  if (byRank !== 0) return byRank;
  const byPlan = planRank(b.planKey) - planRank(a.planKey);
  if (byPlan !== 0) return byPlan;
  const byCreated = b.stripeCreatedAt.getTime() - a.stripeCreatedAt.getTime();
  if (byCreated !== 0) return byCreated;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
