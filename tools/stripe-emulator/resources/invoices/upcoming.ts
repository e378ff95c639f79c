/**
 * `invoice.upcoming`: Stripe sends it a number of days before a subscription renews (an account
 * setting, "Upcoming renewal events"; 3 days here). Its invoice is a preview: its id
 * (`upcoming_in_…`) can't be retrieved, paid or listed, so a sync must not try. Not sent for a
 * subscription that cancels at that renewal. Called from the timeline before each step, so the
 * event comes in time order with renewals and retries.
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { invoiceFactory, type LineInput } from "./invoices";
import { liveDiscounts } from "../discounts";
import { unitAmountIn } from "../prices";
import { customerIdOf, internalOf, nextPeriodEnd, periodOf } from "../subscriptions/subscriptions";
import { DAY_SECONDS } from "../../engine/clock";
import { randomToken, type Mode, type ModeState, clockOfCustomer } from "../../engine/store";
import type { Timeline } from "../../engine/timeline";
import { idOf } from "../../http/expand";

export const UPCOMING_RENEWAL_DAYS = 3;

/** When this subscription's next renewal is, if it will renew and bill automatically. */
function renewalOf(sub: Stripe.Subscription): { at: number; from: number } | null {
  if (!["active", "trialing", "past_due"].includes(sub.status)) return null;
  if (sub.collection_method !== "charge_automatically" || sub.cancel_at_period_end) return null;
  const period = periodOf(sub);
  const at = sub.status === "trialing" && sub.trial_end !== null ? sub.trial_end : period.end;
  if (sub.cancel_at !== null && sub.cancel_at <= at) return null;
  const from = sub.status === "trialing" ? (sub.trial_start ?? period.start) : period.start;
  return { at, from };
}

function preview(ctx: Ctx, sub: Stripe.Subscription, renewal: number): Stripe.Invoice | null {
  const customer = ctx.s.customers[customerIdOf(sub)];
  if (!customer) return null;
  const lines: LineInput[] = sub.items.data.map((item) => {
    const quantity = item.quantity ?? 1;
    return {
      description: `${quantity} × ${item.price.nickname ?? item.price.id}`,
      amount: unitAmountIn(ctx, item.price, sub.currency) * quantity,
      quantity,
      priceId: item.price.id,
      productId: idOf(item.price.product),
      period: { start: renewal, end: nextPeriodEnd(renewal, item.price, sub.billing_cycle_anchor) },
      proration: false,
      subscriptionItem: item.id,
    };
  });
  const inv = invoiceFactory(ctx, {
    id: `upcoming_in_${randomToken(14)}`,
    customer,
    subscription: sub.id,
    billingReason: "upcoming",
    currency: sub.currency,
    lines,
    periodStart: periodOf(sub).start,
    periodEnd: renewal,
    discounts: liveDiscounts(ctx, sub, internalOf(ctx, sub.id).usedOnce ?? [], renewal),
  });
  inv.next_payment_attempt = renewal;
  return inv;
}

/**
 * Emits every `invoice.upcoming` due up to `until` on this timeline, oldest first; returns how
 * many. Each at most once per renewal.
 */
export function emitUpcomingInvoices(
  t: Timeline,
  state: (mode: Mode) => ModeState,
  until: number,
): number {
  const due: { at: number; mode: Mode; sub: Stripe.Subscription; renewal: number }[] = [];
  for (const mode of t.modes) {
    const s = state(mode);
    for (const sub of Object.values(s.subscriptions)) {
      if (clockOfCustomer(s, customerIdOf(sub)) !== t.clockId) continue;
      const r = renewalOf(sub);
      if (!r || s.subInternal[sub.id]?.upcomingSentFor === r.at) continue;
      const at = Math.max(r.at - UPCOMING_RENEWAL_DAYS * DAY_SECONDS, r.from);
      if (at <= until && at < r.at) due.push({ at, mode, sub, renewal: r.at });
    }
  }
  due.sort((a, b) => a.at - b.at);
  for (const d of due) {
    const ctx = t.ctxAt(d.mode, Math.max(d.at, t.now()));
    internalOf(ctx, d.sub.id).upcomingSentFor = d.renewal;
    const inv = preview(ctx, d.sub, d.renewal);
    if (inv) ctx.emit("invoice.upcoming", inv);
  }
  return due.length;
}
