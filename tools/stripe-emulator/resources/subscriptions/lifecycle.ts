/**
 * What the clock does to subscriptions: the next due step, schedule phases, renewals, trial ends,
 * `incomplete` expiry and scheduled cancels (retries are in retries.ts).
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { diff } from "../../engine/request-context";
import { DAY_SECONDS } from "../../engine/clock";
import { getCustomer } from "../customers";
import { createFinalizedInvoice, voidInvoice } from "../invoices/invoices";
import { attemptInvoicePayment, chargeOutcome } from "../invoices/payment";
import {
  attachedSchedule,
  enterNextPhase,
  nextPhase,
  onSubscriptionCanceled,
  releaseSchedule,
} from "../subscription-schedules";
import { nextRetryAt } from "./dunning";
import {
  INCOMPLETE_EXPIRY_SECONDS,
  planFromPrice,
  itemFactory,
  internalOf,
  customerIdOf,
  periodOf,
  paymentMethodFor,
  nextPeriodEnd,
  setStatus,
  isLive,
  takePendingLines,
  itemLines,
} from "./subscriptions";
import { applySubscriptionUpdate } from "./update";
import { cancelNow } from "./cancel";
import { afterLastRetry, retryDue } from "./retries";
import { idOf } from "../../http/expand";
import {
  couponsOf,
  discountedTotal,
  onceDiscountsUsed,
  takeSubscriptionDiscounts,
} from "../discounts";
import { endTrialWithoutPaymentMethod } from "./trial-end";

export type DueKind =
  | "trial_will_end"
  | "trial_end"
  | "cancel_at"
  | "schedule_phase"
  | "period_end"
  | "retry"
  | "incomplete_expire";

/** At the same instant, a schedule's phase change comes first (it decides what is renewed). */
export const DUE_ORDER: Record<DueKind, number> = {
  incomplete_expire: 0,
  schedule_phase: 1,
  trial_will_end: 2,
  trial_end: 3,
  cancel_at: 4,
  period_end: 5,
  retry: 6,
};

export function nextDue(ctx: Ctx, sub: Stripe.Subscription): { at: number; kind: DueKind } | null {
  // A paused subscription (trial ended without a card) waits for `resume`: nothing is due.
  if (!isLive(sub) || sub.status === "paused") return null;
  const internal = internalOf(ctx, sub.id);
  const candidates: { at: number; kind: DueKind }[] = [];
  const period = periodOf(sub);
  if (sub.status === "incomplete") {
    candidates.push({ at: sub.created + INCOMPLETE_EXPIRY_SECONDS, kind: "incomplete_expire" });
    return candidates[0] ?? null;
  }
  if (sub.status === "trialing" && sub.trial_end !== null) {
    const warn = sub.trial_end - 3 * DAY_SECONDS;
    if (!internal.trialWillEndSent)
      candidates.push({ at: Math.max(warn, sub.trial_start ?? warn), kind: "trial_will_end" });
    candidates.push({ at: sub.trial_end, kind: "trial_end" });
  }
  if (sub.cancel_at !== null && sub.cancel_at <= period.end)
    candidates.push({ at: sub.cancel_at, kind: "cancel_at" });
  else if (sub.status !== "trialing") candidates.push({ at: period.end, kind: "period_end" });
  const latest =
    typeof sub.latest_invoice === "string" ? ctx.s.invoices[sub.latest_invoice] : undefined;
  if (latest && latest.status === "open" && latest.next_payment_attempt !== null) {
    candidates.push({ at: latest.next_payment_attempt, kind: "retry" });
  }
  const sched = attachedSchedule(ctx, sub);
  if (sched?.status === "active" && sched.current_phase) {
    candidates.push({ at: sched.current_phase.end_date, kind: "schedule_phase" });
  }
  candidates.sort((a, b) => a.at - b.at || DUE_ORDER[a.kind] - DUE_ORDER[b.kind]);
  return candidates[0] ?? null;
}

/**
 * Sets the subscription's items to a schedule phase's: items whose price stays keep their id
 * (quantity updated), the others are replaced by new items. Returns false when a phase price
 * no longer exists (the phase is then skipped, the items left as they are).
 */
export function applyPhaseItems(
  ctx: Ctx,
  sub: Stripe.Subscription,
  phase: Stripe.SubscriptionSchedule.Phase,
): boolean {
  const wanted = phase.items.map((it) => ({
    price: ctx.s.prices[idOf(it.price)],
    quantity: it.quantity ?? 1,
  }));
  if (wanted.some((w) => !w.price)) return false;
  const period = periodOf(sub);
  const remaining = [...sub.items.data];
  sub.items.data = wanted.flatMap(({ price, quantity }) => {
    if (!price) return [];
    const keep = remaining.findIndex((i) => i.price.id === price.id);
    const item = keep >= 0 ? remaining.splice(keep, 1)[0] : undefined;
    if (item) {
      item.price = structuredClone(price);
      item.plan = planFromPrice(price);
      item.quantity = quantity;
      return [item];
    }
    return [itemFactory(ctx, sub.id, price, quantity, period)];
  });
  return true;
}

/**
 * A schedule's current phase ends now: the next phase's items take over (renewed at once when
 * the phase ends with the billing period, as it does for the portal's schedules), or, after the
 * last phase, the schedule is released (`end_behavior: "release"`).
 */
export function processSchedulePhase(
  ctx: Ctx,
  sub: Stripe.Subscription,
  before: Stripe.Subscription,
): void {
  const sched = attachedSchedule(ctx, sub);
  if (!sched || !sched.current_phase) return;
  if (sub.cancel_at !== null && sub.cancel_at <= ctx.now) {
    // The subscription ends now (its schedule is canceled with it), nothing to move to.
    cancelNow(ctx, sub, "cancellation_requested");
    return;
  }
  const next = nextPhase(sched);
  const atBoundary = periodOf(sub).end === ctx.now;
  const trialEnds = sub.status === "trialing" && sub.trial_end === ctx.now;
  if (!next) {
    releaseSchedule(ctx, sched, { emitSubscription: !(atBoundary || trialEnds) });
  } else if (atBoundary || trialEnds) {
    applyPhaseItems(ctx, sub, next);
  } else {
    // A phase ending mid-period (the subscription's cycle moved since the schedule was made).
    const current = sub.items.data;
    applySubscriptionUpdate(ctx, sub, {
      items: next.items.map((it, i) => ({
        itemId: current[i]?.id ?? null,
        price: idOf(it.price),
        quantity: it.quantity ?? 1,
        deleted: false,
      })),
      prorationBehavior:
        next.proration_behavior === "always_invoice"
          ? "always_invoice"
          : next.proration_behavior === "none"
            ? "none"
            : "create_prorations",
    });
  }
  if (trialEnds) endTrial(ctx, sub, before);
  else if (atBoundary) renewPeriod(ctx, sub, before);
  if (next) enterNextPhase(ctx, sched);
}

/** Starts the next billing period at the current one's end and invoices it. */
export function renewPeriod(ctx: Ctx, sub: Stripe.Subscription, before: Stripe.Subscription): void {
  const period = periodOf(sub);
  const price = sub.items.data[0]?.price;
  if (!price) return;
  const start = period.end;
  const end = nextPeriodEnd(start, price, sub.billing_cycle_anchor);
  for (const item of sub.items.data) {
    item.current_period_start = start;
    item.current_period_end = end;
  }
  // An unpaid previous invoice: Stripe keeps retrying it; we leave it open and bill the new period.
  invoicePeriod(ctx, sub, before, { start, end }, "subscription_cycle");
}

export function endTrial(ctx: Ctx, sub: Stripe.Subscription, before: Stripe.Subscription): void {
  const price = sub.items.data[0]?.price;
  if (!price) return;
  // No card and trial_settings say cancel or pause: that instead of an invoice.
  if (endTrialWithoutPaymentMethod(ctx, sub, before)) return;
  const start = ctx.now;
  const end = nextPeriodEnd(start, price, start);
  for (const item of sub.items.data) {
    item.current_period_start = start;
    item.current_period_end = end;
  }
  sub.trial_end = Math.min(sub.trial_end ?? start, start);
  sub.billing_cycle_anchor = start;
  invoicePeriod(ctx, sub, before, { start, end }, "subscription_cycle");
}

/** Builds, finalizes and charges the invoice for a new period; sets status from the outcome. */
export function invoicePeriod(
  ctx: Ctx,
  sub: Stripe.Subscription,
  before: Stripe.Subscription,
  period: { start: number; end: number },
  reason: Stripe.Invoice.BillingReason,
): void {
  const internal = internalOf(ctx, sub.id);
  const customer = getCustomer(ctx, customerIdOf(sub));
  const lines = [...takePendingLines(ctx, sub, period.start), ...itemLines(ctx, sub, period)];
  const pmId = paymentMethodFor(ctx, sub);
  // Repeating discounts past their end and `once` discounts already used leave now.
  const discounts = takeSubscriptionDiscounts(ctx, sub, internal.usedOnce ?? []);
  const due = discountedTotal(ctx, couponsOf(ctx, discounts), lines, sub.currency);
  // Stripe: an unpaid subscription keeps being invoiced, but payments aren't attempted.
  const collect = sub.status !== "unpaid" || due <= 0;
  const willPay = due <= 0 || (collect && chargeOutcome(ctx, pmId).ok);
  setStatus(sub, willPay ? "active" : collect ? "past_due" : "unpaid");
  ctx.emit("customer.subscription.updated", structuredClone(sub), diff(before, sub));
  const inv = createFinalizedInvoice(ctx, {
    customer,
    subscription: sub.id,
    billingReason: reason,
    currency: sub.currency,
    lines,
    periodStart: before.items.data[0]?.current_period_start ?? period.start,
    periodEnd: period.start,
    discounts,
  });
  internal.usedOnce = onceDiscountsUsed(ctx, inv);
  sub.latest_invoice = inv.id;
  if (!collect) return;
  const retryAt = nextRetryAt(ctx.dunning, 1, ctx.now);
  const result = attemptInvoicePayment(ctx, inv, pmId, retryAt);
  internal.failedAttempts = result.ok ? 0 : 1;
  if (!result.ok && retryAt === null) afterLastRetry(ctx, sub);
}

/** Processes one due step for a subscription at `ctx.now` (the clock sets `now` to `due.at`). */
export function processDue(ctx: Ctx, sub: Stripe.Subscription, kind: DueKind): void {
  const internal = internalOf(ctx, sub.id);
  const before = structuredClone(sub);
  switch (kind) {
    case "trial_will_end":
      internal.trialWillEndSent = true;
      ctx.emit("customer.subscription.trial_will_end", structuredClone(sub));
      return;
    case "trial_end":
      endTrial(ctx, sub, before);
      return;
    case "cancel_at":
      cancelNow(ctx, sub, "cancellation_requested");
      return;
    case "incomplete_expire": {
      sub.status = "incomplete_expired";
      sub.ended_at = ctx.now;
      const latest =
        typeof sub.latest_invoice === "string" ? ctx.s.invoices[sub.latest_invoice] : undefined;
      if (latest && latest.status === "open") voidInvoice(ctx, latest);
      ctx.emit("customer.subscription.updated", structuredClone(sub), diff(before, sub));
      onSubscriptionCanceled(ctx, sub, false);
      return;
    }
    case "schedule_phase":
      processSchedulePhase(ctx, sub, before);
      return;
    case "period_end":
      renewPeriod(ctx, sub, before);
      return;
    case "retry":
      retryDue(ctx, sub, before);
      return;
  }
}
