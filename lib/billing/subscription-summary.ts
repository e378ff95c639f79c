import { PLANS, isPlanKey } from "@/lib/billing/catalog";
import { isLiveSubscriptionStatus } from "@/lib/billing/current-subscription";

/** The synced subscription fields the billing page describes (a `Subscription` row fits). */
export type SummarizableSubscription = {
  status: string;
  planKey: string | null;
  unknownPrice: boolean;
  priceLookupKey: string | null;
  interval: string | null;
  quantity: number;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  endedAt: Date | null;
  currentPeriodEnd: Date | null;
  trialEnd: Date | null;
};

export type TimelineEvent =
  | { kind: "renews"; at: Date }
  | { kind: "cancels"; at: Date }
  | { kind: "trial_ends"; at: Date }
  | { kind: "ended"; at: Date }
  | { kind: "none" };

export type SubscriptionSummary = {
  planName: string;
  statusLabel: string;
  /** Still in Stripe's billing cycle (not canceled or expired). */
  live: boolean;
  /** A cancellation is scheduled (cancel_at_period_end, or a cancel_at date). */
  cancellationScheduled: boolean;
  pastDue: boolean;
  next: TimelineEvent;
  price: { unitAmount: number; currency: string; interval: string } | null;
};

const STATUS_LABELS: Record<string, string> = {
  trialing: "Trialing",
  active: "Active",
  past_due: "Past due",
  canceled: "Canceled",
  incomplete: "Incomplete",
  incomplete_expired: "Expired",
  unpaid: "Unpaid",
  paused: "Paused",
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status.replaceAll("_", " ");
}

/**
 * Pure: what the billing page says about a subscription. A scheduled cancellation can arrive as
 * `cancel_at` while `cancel_at_period_end` stays false, so both are looked at.
 */
export function summarizeSubscription(sub: SummarizableSubscription): SubscriptionSummary {
  const plan = sub.planKey && isPlanKey(sub.planKey) ? PLANS[sub.planKey] : null;
  const live = isLiveSubscriptionStatus(sub.status);
  const cancelDate = sub.cancelAt ?? (sub.cancelAtPeriodEnd ? sub.currentPeriodEnd : null);
  const cancellationScheduled = live && (sub.cancelAtPeriodEnd || sub.cancelAt !== null);

  let next: TimelineEvent = { kind: "none" };
  if (!live) {
    if (sub.endedAt) next = { kind: "ended", at: sub.endedAt };
  } else if (cancellationScheduled && cancelDate) {
    next = { kind: "cancels", at: cancelDate };
  } else if (sub.status === "trialing" && sub.trialEnd) {
    next = { kind: "trial_ends", at: sub.trialEnd };
  } else if ((sub.status === "active" || sub.status === "past_due") && sub.currentPeriodEnd) {
    next = { kind: "renews", at: sub.currentPeriodEnd };
  }

  const catalogPrice = plan?.prices[sub.interval === "year" ? "year" : "month"];
  const price =
    catalogPrice && catalogPrice.lookupKey === sub.priceLookupKey
      ? {
          unitAmount: catalogPrice.unitAmount * sub.quantity,
          currency: catalogPrice.currency,
          interval: catalogPrice.interval,
        }
      : null;

  return {
    planName: plan?.name ?? (sub.unknownPrice ? "Unrecognised plan" : "Unknown plan"),
    statusLabel: statusLabel(sub.status),
    live,
    cancellationScheduled,
    pastDue: sub.status === "past_due" || sub.status === "unpaid",
    next,
    price,
  };
}
