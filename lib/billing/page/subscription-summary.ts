import { PLANS, isPlanKey } from "@/lib/billing/catalog/plans";
import { isLiveSubscriptionStatus } from "@/lib/billing/access/current-subscription";
import {
  discountSchema,
  parseStored,
  pendingChangeSchema,
  type DiscountData,
} from "@/lib/billing/sync/subscription-terms";
import { z } from "zod";
import { systemNow } from "@/lib/clock";
import { formatDate, formatMoney } from "@/lib/format";

/** The synced subscription fields the billing page describes (a `Subscription` row fits). */
export type SummarizableSubscription = {
  status: string;
  planKey: string | null;
  unknownPrice: boolean;
  interval: string | null;
  quantity: number;
  unitAmount: number | null;
  currency: string | null;
  /** JSON as stored: `DiscountData[]`. */
  discounts: unknown;
  automaticTax: boolean;
  /** JSON as stored: `PendingChange` or null. */
  pendingChange: unknown;
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

/** What Stripe bills each period, from the synced price, quantity and discounts. */
export type BilledAmount = {
  unitAmount: number;
  quantity: number;
  currency: string;
  interval: string;
  perSeat: boolean;
  /** unitAmount × quantity, before discounts. */
  subtotal: number;
  /** After the discounts in force; equal to `subtotal` without any. */
  total: number;
  discounts: DiscountData[];
  /** Stripe Tax adds tax on top. */
  plusTax: boolean;
};

export type PendingChangeSummary = {
  /** A schedule can be undone in the portal; a payment-pending update cannot. */
  source: "schedule" | "pending_update";
  /** The catalog plan it changes to (null: a price outside the catalog). */
  planKey: string | null;
  planName: string;
  interval: string | null;
  quantity: number;
  perSeat: boolean;
  /** When it takes effect; null when it waits for a payment. */
  at: Date | null;
  expiresAt: Date | null;
};

export type SubscriptionSummary = {
  planName: string;
  statusLabel: string;
  /** Still in Stripe's billing cycle (not canceled or expired). */
  live: boolean;
  /** A cancellation is scheduled (cancel_at_period_end, or a cancel_at date). */
  cancellationScheduled: boolean;
  pastDue: boolean;
  /** Stripe lets the customer change or cancel the plan (not while paused or incomplete). */
  changeable: boolean;
  /** Priced per seat (the catalog's plan). */
  perSeat: boolean;
  next: TimelineEvent;
  price: BilledAmount | null;
  pendingChange: PendingChangeSummary | null;
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

function planOf(planKey: string | null) {
  return planKey && isPlanKey(planKey) ? PLANS[planKey] : null;
}

/** Discounts apply in order: percentages of what is left, then fixed amounts in the currency. */
function applyDiscounts(
  subtotal: number,
  currency: string,
  discounts: DiscountData[],
  now: Date,
): { total: number; inForce: DiscountData[] } {
  const inForce = discounts.filter((d) => !d.endsAt || new Date(d.endsAt) > now);
  let total = subtotal;
  for (const d of inForce) {
    if (d.percentOff !== null) total = Math.round(total * (1 - d.percentOff / 100));
    else if (d.amountOff !== null && d.currency === currency) total -= d.amountOff;
  }
  return { total: Math.max(0, total), inForce };
}

function billedAmount(sub: SummarizableSubscription, now: Date): BilledAmount | null {
  if (sub.unitAmount === null || !sub.currency || !sub.interval) return null;
  const subtotal = sub.unitAmount * sub.quantity;
  const discounts = parseStored(z.array(discountSchema), sub.discounts, "discounts") ?? [];
  const { total, inForce } = applyDiscounts(subtotal, sub.currency, discounts, now);
  return {
    unitAmount: sub.unitAmount,
    quantity: sub.quantity,
    currency: sub.currency,
    interval: sub.interval,
    perSeat: planOf(sub.planKey)?.perSeat ?? false,
    subtotal,
    total,
    discounts: inForce,
    plusTax: sub.automaticTax,
  };
}

function pendingChangeSummary(sub: SummarizableSubscription): PendingChangeSummary | null {
  const change = parseStored(pendingChangeSchema, sub.pendingChange, "pending change");
  if (!change) return null;
  const plan = planOf(change.planKey);
  return {
    source: change.source,
    planKey: plan ? change.planKey : null,
    planName: plan?.name ?? "another plan",
    interval: change.interval,
    quantity: change.quantity,
    perSeat: plan?.perSeat ?? false,
    at: change.at ? new Date(change.at) : null,
    expiresAt: change.expiresAt ? new Date(change.expiresAt) : null,
  };
}

/**
 * Pure: what the billing page says about a subscription. A scheduled cancellation can arrive as
 * `cancel_at` while `cancel_at_period_end` stays false, so both are looked at. Amounts come from
 * the synced Stripe objects; the catalog only names the plan.
 */
export function summarizeSubscription(
  sub: SummarizableSubscription,
  now = systemNow(),
): SubscriptionSummary {
  const plan = planOf(sub.planKey);
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

  return {
    planName: plan?.name ?? (sub.unknownPrice ? "Unrecognised plan" : "Unknown plan"),
    statusLabel: statusLabel(sub.status),
    live,
    cancellationScheduled,
    pastDue: sub.status === "past_due" || sub.status === "unpaid",
    changeable: ["active", "trialing", "past_due"].includes(sub.status),
    perSeat: plan?.perSeat ?? false,
    next,
    // An ended subscription bills nothing, and a cancellation replaces any scheduled change.
    price: live ? billedAmount(sub, now) : null,
    pendingChange: live && !cancellationScheduled ? pendingChangeSummary(sub) : null,
  };
}

const INTERVAL_WORDS: Record<string, string> = {
  day: "daily",
  week: "weekly",
  month: "monthly",
  year: "yearly",
};

function seats(quantity: number): string {
  return `${quantity} ${quantity === 1 ? "seat" : "seats"}`;
}

/** "Pro (monthly)", "Team (yearly, 3 seats)". */
export function planWithTerms(
  planName: string,
  interval: string | null,
  quantity: number,
  perSeat: boolean,
): string {
  const terms = [
    interval ? (INTERVAL_WORDS[interval] ?? interval) : null,
    perSeat || quantity > 1 ? seats(quantity) : null,
  ].filter(Boolean);
  return terms.length > 0 ? `${planName} (${terms.join(", ")})` : planName;
}

/** "Changes to Pro (monthly) on January 1, 2027." */
export function pendingChangeText(change: PendingChangeSummary, locale?: string): string {
  const plan = planWithTerms(change.planName, change.interval, change.quantity, change.perSeat);
  if (change.at) return `Changes to ${plan} on ${formatDate(change.at, locale)}.`;
  const until = change.expiresAt ? ` (if paid by ${formatDate(change.expiresAt, locale)})` : "";
  return `Changes to ${plan} once its payment goes through${until}.`;
}

/**
 * "3 seats × $29.00 = $87.00 / month"; with a discount in force, the price after it:
 * "$12.00, $9.00 / month after discount"; "$12.00 / month plus tax".
 */
export function billedAmountText(price: BilledAmount, locale?: string): string {
  const money = (minor: number) => formatMoney(minor, price.currency, locale);
  const gross =
    price.perSeat || price.quantity > 1
      ? `${seats(price.quantity)} × ${money(price.unitAmount)} = ${money(price.subtotal)}`
      : money(price.subtotal);
  const tax = price.plusTax ? " plus tax" : "";
  if (price.total === price.subtotal) return `${gross} / ${price.interval}${tax}`;
  return `${gross}, ${money(price.total)} / ${price.interval} after discount${tax}`;
}

/** "20% off (Launch) until March 1, 2027", "$5.00 off". */
export function discountText(discount: DiscountData, locale?: string): string {
  const amount =
    discount.percentOff !== null
      ? `${discount.percentOff}% off`
      : discount.amountOff !== null && discount.currency
        ? `${formatMoney(discount.amountOff, discount.currency, locale)} off`
        : "Discount";
  const name = discount.name ? ` (${discount.name})` : "";
  const until = discount.endsAt ? ` until ${formatDate(new Date(discount.endsAt), locale)}` : "";
  return `${amount}${name}${until}`;
}
