import {
  PLANS,
  isPlanKey,
  type Feature,
  type Plan,
  type PlanLimits,
} from "@/lib/billing/catalog/plans";
import { pickCurrentSubscription } from "@/lib/billing/access/current-subscription";
import { loadSubscriptions } from "@/lib/billing/access/subscriptions";
import { billingNow, systemNow } from "@/lib/clock";
import { env } from "@/lib/env";

/** The synced fields entitlements are computed from (a `Subscription` row fits). */
export type EntitlementSubscription = {
  id: string;
  status: string;
  planKey: string | null;
  unknownPrice: boolean;
  quantity: number;
  stripeCreatedAt: Date;
  currentPeriodStart: Date | null;
  pastDueSince: Date | null;
};

export type EntitlementReason =
  | "no_subscription"
  | "active"
  | "trialing"
  | "past_due_grace"
  | "past_due_grace_over"
  | "not_active"
  | "price_not_in_catalog";

export type Entitlements = {
  plan: Plan;
  features: ReadonlySet<Feature>;
  limits: PlanLimits;
  /** Seats paid for: the subscription's quantity on a per-seat plan, else 1. Limits scale with it. */
  seats: number;
  /** Why the user has this plan; `price_not_in_catalog` means a paid subscription needs a look. */
  reason: EntitlementReason;
  /** The subscription the decision was made from (the current one), if any. */
  subscriptionId: string | null;
  subscriptionStatus: string | null;
  /** While past_due: when the plan stops applying unless the payment recovers. */
  graceEndsAt: Date | null;
};

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Pure: what a user may do, given their synced subscriptions. Active and trialing grant the plan;
 * past_due keeps it for `graceDays` from when the unpaid invoice appeared; anything else is Free.
 * A subscription whose price is not in the catalog grants nothing: it is never guessed into a plan.
 */
export function entitlementsFor(
  subscriptions: readonly EntitlementSubscription[],
  options: { now: Date; graceDays: number },
): Entitlements {
  const current = pickCurrentSubscription(subscriptions);
  if (!current) return build("free", 1, "no_subscription", null, null);

  const paidPlan = current.planKey && isPlanKey(current.planKey) ? current.planKey : null;
  const grants = (reason: EntitlementReason, graceEndsAt: Date | null = null) =>
    paidPlan
      ? build(paidPlan, current.quantity, reason, current, graceEndsAt)
      : build("free", 1, "price_not_in_catalog", current, null);

  switch (current.status) {
    case "active":
      return grants("active");
    case "trialing":
      return grants("trialing");
    case "past_due": {
      const since = current.pastDueSince ?? current.currentPeriodStart ?? current.stripeCreatedAt;
      const graceEndsAt = new Date(since.getTime() + options.graceDays * DAY_MS);
      return options.now < graceEndsAt
        ? grants("past_due_grace", graceEndsAt)
        : build("free", 1, "past_due_grace_over", current, graceEndsAt);
    }
    default:
      return build("free", 1, "not_active", current, null);
  }
}

function build(
  planKey: keyof typeof PLANS,
  quantity: number,
  reason: EntitlementReason,
  subscription: EntitlementSubscription | null,
  graceEndsAt: Date | null,
): Entitlements {
  const plan = PLANS[planKey];
  const seats = plan.perSeat ? Math.max(1, quantity) : 1;
  return {
    plan,
    features: new Set(plan.features),
    limits: { apiKeys: plan.limits.apiKeys * seats },
    seats,
    reason,
    subscriptionId: subscription?.id ?? null,
    subscriptionStatus: subscription?.status ?? null,
    graceEndsAt,
  };
}

/** "Up to 30 active keys (3 seats × 10).", "Up to 5 active keys.": the limit and where it comes from. */
export function apiKeyLimitText(
  entitlements: Pick<Entitlements, "plan" | "limits" | "seats">,
): string {
  const limit = entitlements.limits.apiKeys;
  const perSeat = entitlements.plan.perSeat
    ? ` (${entitlements.seats} ${entitlements.seats === 1 ? "seat" : "seats"} × ${entitlements.plan.limits.apiKeys})`
    : "";
  return `Up to ${limit} active ${limit === 1 ? "key" : "keys"}${perSeat}.`;
}

/** Entitlements from subscriptions already loaded, with the configured grace period. */
export function entitlementsFromRecords(
  subscriptions: readonly EntitlementSubscription[],
  now = systemNow(),
): Entitlements {
  return entitlementsFor(subscriptions, { now, graceDays: env.BILLING_PAST_DUE_GRACE_DAYS });
}

/**
 * What `userId` may do right now, from the synced records of the configured Stripe mode. "Now" is
 * the user's billing time (lib/clock.ts): a test-mode customer on a Stripe test clock lives at
 * the clock's frozen time, so its grace period ends when the clock passes it.
 */
export async function getEntitlements(userId: string, now?: Date): Promise<Entitlements> {
  const [subscriptions, at] = await Promise.all([
    loadSubscriptions(userId),
    now ?? billingNow(userId),
  ]);
  return entitlementsFromRecords(subscriptions, at);
}

/** Thrown by the guards below; server code turns it into a 403 or an upgrade prompt. */
export class EntitlementError extends Error {
  constructor(
    readonly feature: Feature | keyof PlanLimits,
    readonly entitlements: Entitlements,
  ) {
    super(`The ${entitlements.plan.name} plan does not include ${feature}.`);
    this.name = "EntitlementError";
  }
}

/** Guard for server code: returns the entitlements, or throws when `feature` is not included. */
export async function requireFeature(userId: string, feature: Feature): Promise<Entitlements> {
  const entitlements = await getEntitlements(userId);
  if (!entitlements.features.has(feature)) throw new EntitlementError(feature, entitlements);
  return entitlements;
}

/** Guard for server code: throws when using one more of `limit` would exceed the plan. */
export async function requireWithinLimit(
  userId: string,
  limit: keyof PlanLimits,
  currentUsage: number,
): Promise<Entitlements> {
  const entitlements = await getEntitlements(userId);
  if (currentUsage + 1 > entitlements.limits[limit])
    throw new EntitlementError(limit, entitlements);
  return entitlements;
}
