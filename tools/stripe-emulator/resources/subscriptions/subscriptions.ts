/**
 * Subscriptions: the object, its items and periods, reading and listing. Creation is in create.ts,
 * plan and quantity changes in update.ts (priced by prorations.ts), cancellation in cancel.ts, what
 * the clock does in lifecycle.ts, and collecting failed invoices again in retries.ts (on the
 * account's dunning settings, dunning.ts).
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { addInterval } from "../../engine/clock";
import { invalid, noSuch } from "../../http/errors";
import { embeddedList, paginate } from "../../http/list";
import { oneOf, str, type Params } from "../../http/params";
import { newId, newestFirst, type SubscriptionInternal, clockOfCustomer } from "../../engine/store";
import { type LineInput } from "../invoices/invoices";
import { unitAmountIn } from "../prices";
import { productName } from "../products";
import { formatAmount } from "../currency";
import { FLEXIBLE } from "../billing-mode";
import { idOf } from "../../http/expand";

/** A subscription whose first payment fails stays `incomplete` this long. */
export const INCOMPLETE_EXPIRY_SECONDS = 23 * 3600;

export type ProrationBehavior = "none" | "create_prorations" | "always_invoice";

export function planFromPrice(price: Stripe.Price): Stripe.Plan {
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: null,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? "month",
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: price.livemode,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: "licensed",
  };
}

export function itemFactory(
  ctx: Ctx,
  sub: string,
  price: Stripe.Price,
  quantity: number,
  period: { start: number; end: number },
): Stripe.SubscriptionItem {
  return {
    id: newId("si"),
    object: "subscription_item",
    billing_thresholds: null,
    created: ctx.now,
    current_period_end: period.end,
    current_period_start: period.start,
    current_trial: null,
    discounts: [],
    metadata: {},
    plan: planFromPrice(price),
    price: structuredClone(price),
    quantity,
    subscription: sub,
    tax_rates: [],
  };
}

export function subscriptionFactory(
  ctx: Ctx,
  f: {
    id: string;
    customer: string;
    currency: string;
    items: Stripe.SubscriptionItem[];
    billingMode?: Stripe.Subscription.BillingMode;
  },
): Stripe.Subscription {
  return {
    id: f.id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: ctx.now,
    billing_cycle_anchor_config: null,
    billing_mode: structuredClone(f.billingMode ?? FLEXIBLE),
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: "charge_automatically",
    created: ctx.now,
    currency: f.currency,
    customer: f.customer,
    customer_account: null,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: { type: "self" },
    },
    items: embeddedList(f.items, `/v1/subscription_items?subscription=${f.id}`),
    latest_invoice: null,
    livemode: ctx.mode === "live",
    managed_payments: null,
    metadata: {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: "off",
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: ctx.now,
    status: "incomplete",
    test_clock: clockOfCustomer(ctx.s, f.customer),
    transfer_data: null,
    trial_end: null,
    trial_settings: {
      end_behavior: { billing_cycle_anchor: null, missing_payment_method: "create_invoice" },
    },
    trial_start: null,
  };
}

export function getSubscription(ctx: Ctx, id: string, param = "id"): Stripe.Subscription {
  const s = ctx.s.subscriptions[id];
  if (!s) throw noSuch("subscription", id, param);
  return s;
}

export function internalOf(ctx: Ctx, subId: string): SubscriptionInternal {
  const existing = ctx.s.subInternal[subId];
  if (existing) return existing;
  const created: SubscriptionInternal = {
    trialWillEndSent: false,
    pendingLines: [],
    failedAttempts: 0,
  };
  ctx.s.subInternal[subId] = created;
  return created;
}

export function customerIdOf(sub: Stripe.Subscription): string {
  return idOf(sub.customer);
}

export function periodOf(sub: Stripe.Subscription): { start: number; end: number } {
  const item = sub.items.data[0];
  return {
    start: item?.current_period_start ?? sub.created,
    end: item?.current_period_end ?? sub.created,
  };
}

/** Default card used for charges: subscription's, else the customer's invoice default. */
export function paymentMethodFor(ctx: Ctx, sub: Stripe.Subscription): string | null {
  const own = sub.default_payment_method;
  if (own) return idOf(own);
  const customer = ctx.s.customers[customerIdOf(sub)];
  const def = customer?.invoice_settings.default_payment_method;
  if (!def) return null;
  return idOf(def);
}

/** Proration lines waiting for the next invoice (create_prorations), removed from the queue. */
export function takePendingLines(ctx: Ctx, sub: Stripe.Subscription, at: number): LineInput[] {
  const internal = internalOf(ctx, sub.id);
  const pending = internal.pendingLines.map((l): LineInput => ({
    description: l.description,
    amount: l.amount,
    quantity: l.quantity,
    priceId: l.priceId || null,
    productId: null,
    period: { start: at, end: at },
    proration: true,
    subscriptionItem: null,
  }));
  internal.pendingLines = [];
  return pending;
}

/** `month×1`: prices with the same key bill on the same cycle. */
export function intervalKey(price: Stripe.Price): string {
  return `${price.recurring?.interval ?? "month"}×${price.recurring?.interval_count ?? 1}`;
}

export function nextPeriodEnd(start: number, price: Stripe.Price, anchor: number): number {
  const rec = price.recurring;
  if (!rec) throw invalid("items", "Subscriptions need recurring prices.");
  const i = rec.interval;
  const interval = i === "day" ? "day" : i === "week" ? "week" : i === "year" ? "year" : "month";
  return addInterval(start, interval, rec.interval_count, new Date(anchor * 1000).getUTCDate());
}

export function itemLines(
  ctx: Ctx,
  sub: Stripe.Subscription,
  period: { start: number; end: number },
): LineInput[] {
  return sub.items.data.map((item) => ({
    description: `${item.quantity ?? 1} × ${item.price.nickname ?? productName(ctx, item.price)} (at ${formatAmount(unitAmountIn(ctx, item.price, sub.currency), sub.currency)} / ${item.price.recurring?.interval ?? "month"})`,
    amount: unitAmountIn(ctx, item.price, sub.currency) * (item.quantity ?? 1),
    quantity: item.quantity ?? 1,
    priceId: item.price.id,
    productId: idOf(item.price.product),
    period,
    proration: false,
    subscriptionItem: item.id,
  }));
}

/** The product's name for line descriptions, like Stripe's "1 × Pro (at $30.00 / month)". */
export function setStatus(sub: Stripe.Subscription, status: Stripe.Subscription.Status): void {
  sub.status = status;
}

export function isLive(sub: Stripe.Subscription): boolean {
  return sub.status !== "canceled" && sub.status !== "incomplete_expired";
}

export function listSubscriptions(ctx: Ctx, p: Params): Stripe.ApiList<Stripe.Subscription> {
  const customer = str(p, "customer");
  const price = str(p, "price");
  const status = oneOf(p, "status", [
    "active",
    "all",
    "canceled",
    "ended",
    "incomplete",
    "incomplete_expired",
    "past_due",
    "paused",
    "trialing",
    "unpaid",
  ] as const);
  const all = newestFirst(ctx.s.subscriptions).filter((s) => {
    if (customer && s.customer !== customer) return false;
    if (price && !s.items.data.some((i) => i.price.id === price)) return false;
    if (!status) return s.status !== "canceled" && s.status !== "incomplete_expired";
    if (status === "all") return true;
    if (status === "ended") return s.status === "canceled" || s.status === "incomplete_expired";
    return s.status === status;
  });
  return paginate(all, p, "/v1/subscriptions");
}
