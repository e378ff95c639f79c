/**
 * Subscriptions: create, update (plan change with prorations, scheduled cancel), cancel, and the
 * time-driven lifecycle (trial end, renewal, failed payment retries) used by the clock.
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { diff } from "../../engine/request-context";
import { addInterval, DAY_SECONDS } from "../../engine/clock";
import { badRequest, cardDeclined, invalid, missing, noSuch } from "../../http/errors";
import { embeddedList, paginate } from "../../http/list";
import {
  allowOnly,
  applyMetadata,
  bool,
  int,
  obj,
  objArr,
  oneOf,
  reqStr,
  str,
  type Params,
} from "../../http/params";
import { newId, newestFirst, type SubscriptionInternal } from "../../engine/store";
import { getCustomer } from "../customers";
import {
  attemptInvoicePayment,
  chargeOutcome,
  createFinalizedInvoice,
  invoiceSubscriptionId,
  voidInvoice,
  type LineInput,
} from "../invoices";
import { getPrice, priceSupports, productName, unitAmountIn } from "../prices";
import {
  assertCancelable,
  attachedSchedule,
  enterNextPhase,
  getSchedule,
  markCanceled,
  nextPhase,
  onSubscriptionCanceled,
  releaseSchedule,
} from "../subscription-schedules";
import { formatAmount, parseCurrency } from "../../engine/currency";
import { nextRetryAt } from "./dunning";
import { emitPendingInvoiceItems } from "../invoice-items";
import { clockOfCustomer } from "../../engine/timeline";
import { atCustomerTime } from "../test-clocks";
import { billingModeParam, FLEXIBLE } from "../billing-mode";

export { formatAmount } from "../../engine/currency";

/** A subscription whose first payment fails stays `incomplete` this long. */
export const INCOMPLETE_EXPIRY_SECONDS = 23 * 3600;

export type ProrationBehavior = "none" | "create_prorations" | "always_invoice";

function planFromPrice(price: Stripe.Price): Stripe.Plan {
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
  return typeof sub.customer === "string" ? sub.customer : sub.customer.id;
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
  if (own) return typeof own === "string" ? own : own.id;
  const customer = ctx.s.customers[customerIdOf(sub)];
  const def = customer?.invoice_settings.default_payment_method;
  if (!def) return null;
  return typeof def === "string" ? def : def.id;
}

/** Proration lines waiting for the next invoice (create_prorations), removed from the queue. */
function takePendingLines(ctx: Ctx, sub: Stripe.Subscription, at: number): LineInput[] {
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
function intervalKey(price: Stripe.Price): string {
  return `${price.recurring?.interval ?? "month"}×${price.recurring?.interval_count ?? 1}`;
}

export function nextPeriodEnd(start: number, price: Stripe.Price, anchor: number): number {
  const rec = price.recurring;
  if (!rec) throw invalid("items", "Subscriptions need recurring prices.");
  const i = rec.interval;
  const interval = i === "day" ? "day" : i === "week" ? "week" : i === "year" ? "year" : "month";
  return addInterval(start, interval, rec.interval_count, new Date(anchor * 1000).getUTCDate());
}

function itemLines(
  ctx: Ctx,
  sub: Stripe.Subscription,
  period: { start: number; end: number },
): LineInput[] {
  return sub.items.data.map((item) => ({
    description: `${item.quantity ?? 1} × ${item.price.nickname ?? productName(ctx, item.price)} (at ${formatAmount(unitAmountIn(ctx, item.price, sub.currency), sub.currency)} / ${item.price.recurring?.interval ?? "month"})`,
    amount: unitAmountIn(ctx, item.price, sub.currency) * (item.quantity ?? 1),
    quantity: item.quantity ?? 1,
    priceId: item.price.id,
    productId: typeof item.price.product === "string" ? item.price.product : item.price.product.id,
    period,
    proration: false,
    subscriptionItem: item.id,
  }));
}

/** The product's name for line descriptions, like Stripe's "1 × Pro (at $30.00 / month)". */
function setStatus(sub: Stripe.Subscription, status: Stripe.Subscription.Status): void {
  sub.status = status;
}

export interface CreateSubscriptionInput {
  customer: string;
  items: { price: string; quantity: number }[];
  trialEnd: number | null;
  defaultPaymentMethod: string | null;
  paymentBehavior: "allow_incomplete" | "error_if_incomplete" | "default_incomplete";
  metadata: Record<string, string>;
  /** Presentment currency: the prices' own, or one of their currency_options. */
  currency?: string;
  description?: string | null;
  cancelAtPeriodEnd?: boolean;
  /**
   * Checkout-style: created as `incomplete`, then customer.subscription.updated → `active` once
   * the first invoice is paid (what Stripe sends for Checkout subscriptions).
   */
  activateAfterPayment?: boolean;
  /** The customer has just completed 3-D Secure for the first payment (Checkout's step). */
  authenticated?: boolean;
  /** `billing_mode` on create; flexible unless classic is asked for. */
  billingMode?: Stripe.Subscription.BillingMode;
}

/**
 * Creates a subscription and its first invoice, charged immediately. Emits
 * customer.subscription.created, invoice.created/finalized/paid/payment_succeeded (or failure).
 */
export function createSubscriptionFrom(
  ctx: Ctx,
  input: CreateSubscriptionInput,
): Stripe.Subscription {
  const customer = getCustomer(ctx, input.customer, "customer");
  atCustomerTime(ctx, customer.id);
  if (input.items.length === 0) throw missing("items");
  const prices = input.items.map((it, i) => getPrice(ctx, it.price, `items[${i}][price]`));
  const currency = input.currency ?? prices[0]?.currency ?? "usd";
  for (const [i, pr] of prices.entries()) {
    if (!pr.recurring) {
      throw invalid(
        `items[${i}][price]`,
        `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`,
      );
    }
    if (!priceSupports(ctx, pr, currency))
      throw invalid(
        `items[${i}][price]`,
        input.currency
          ? `The price specified (${pr.id}) does not support the currency \`${currency}\`.`
          : "All prices on a subscription must have the same currency.",
      );
    if (!pr.active)
      throw invalid(
        `items[${i}][price]`,
        `The price specified is inactive. This field only accepts active prices.`,
      );
  }
  if (input.defaultPaymentMethod) {
    const pm = ctx.s.paymentMethods[input.defaultPaymentMethod];
    if (!pm || pm.customer !== customer.id) {
      throw badRequest(
        `The customer does not have a payment method with the ID ${input.defaultPaymentMethod}. The payment method must be attached to the customer.`,
        "default_payment_method",
      );
    }
  }
  const id = newId("sub");
  const start = ctx.now;
  const trialing = input.trialEnd !== null && input.trialEnd > start;
  const firstPrice = prices[0];
  if (!firstPrice) throw missing("items");
  const periodEnd =
    trialing && input.trialEnd !== null ? input.trialEnd : nextPeriodEnd(start, firstPrice, start);
  const period = { start, end: periodEnd };
  const items = input.items.map((it, i) => {
    const price = prices[i];
    if (!price) throw missing(`items[${i}][price]`);
    return itemFactory(ctx, id, price, it.quantity, period);
  });
  const sub = subscriptionFactory(ctx, {
    id,
    customer: customer.id,
    currency,
    items,
    billingMode: input.billingMode,
  });
  sub.metadata = input.metadata;
  sub.description = input.description ?? null;
  sub.default_payment_method = input.defaultPaymentMethod;
  sub.billing_cycle_anchor = periodEnd;
  if (trialing) {
    sub.trial_start = start;
    sub.trial_end = periodEnd;
  }
  if (input.cancelAtPeriodEnd) {
    sub.cancel_at_period_end = true;
    sub.cancel_at = periodEnd;
  }

  const pmId = paymentMethodFor(ctx, sub);
  const lines = itemLines(ctx, sub, period).map((l) =>
    trialing ? { ...l, amount: 0, description: `Trial period for ${l.description}` } : l,
  );
  const total = lines.reduce((a, l) => a + l.amount, 0);
  const auth = { authenticated: input.authenticated };
  // error_if_incomplete: a declined first payment fails the API call and stores nothing.
  if (input.paymentBehavior === "error_if_incomplete" && total > 0) {
    const outcome = chargeOutcome(ctx, pmId, auth);
    if (!outcome.ok) throw cardDeclined(outcome.declineCode);
  }
  const willPay =
    total === 0 ||
    (input.paymentBehavior !== "default_incomplete" && chargeOutcome(ctx, pmId, auth).ok);
  const twoStep = Boolean(input.activateAfterPayment) && !trialing && total > 0 && willPay;
  setStatus(sub, trialing ? "trialing" : willPay && !twoStep ? "active" : "incomplete");
  ctx.s.subscriptions[id] = sub;
  internalOf(ctx, id);
  sub.latest_invoice = newId("in");
  ctx.emit("customer.subscription.created", structuredClone(sub));

  const inv = createFinalizedInvoice(ctx, {
    id: sub.latest_invoice,
    customer,
    subscription: id,
    billingReason: "subscription_create",
    currency,
    lines,
    periodStart: start,
    periodEnd: start,
  });
  if (input.paymentBehavior !== "default_incomplete" || total === 0) {
    const paid = attemptInvoicePayment(ctx, inv, pmId, null, auth);
    if (twoStep && paid.ok) {
      const before = structuredClone(sub);
      setStatus(sub, "active");
      ctx.emit("customer.subscription.updated", structuredClone(sub), diff(before, sub));
    }
  }
  return sub;
}

export function createSubscription(ctx: Ctx, p: Params): Stripe.Subscription {
  allowOnly(p, [
    "customer",
    "items",
    "trial_period_days",
    "trial_end",
    "default_payment_method",
    "payment_behavior",
    "metadata",
    "description",
    "cancel_at_period_end",
    "proration_behavior",
    "collection_method",
    "payment_settings",
    "currency",
    "billing_mode",
  ]);
  const customer = reqStr(p, "customer");
  // Trial ends and periods count from the customer's time (its test clock's, if any).
  atCustomerTime(ctx, customer);
  const items = objArr(p, "items");
  if (!items || items.length === 0) throw missing("items");
  const trialDays = int(p, "trial_period_days");
  const trialEndRaw = str(p, "trial_end");
  let trialEnd: number | null = null;
  if (trialDays !== undefined && trialDays > 0) trialEnd = ctx.now + trialDays * DAY_SECONDS;
  if (trialEndRaw && trialEndRaw !== "now") {
    const t = Number(trialEndRaw);
    if (!Number.isInteger(t) || t <= ctx.now)
      throw invalid(
        "trial_end",
        "Invalid timestamp: must be an integer Unix timestamp in the future.",
      );
    trialEnd = t;
  }
  return createSubscriptionFrom(ctx, {
    customer,
    items: items.map((it, i) => ({
      price: reqStr(it, "price", `items[${i}][price]`),
      quantity: int(it, "quantity", `items[${i}][quantity]`) ?? 1,
    })),
    trialEnd,
    defaultPaymentMethod: str(p, "default_payment_method") || null,
    paymentBehavior:
      oneOf(p, "payment_behavior", [
        "allow_incomplete",
        "error_if_incomplete",
        "default_incomplete",
        "pending_if_incomplete",
      ] as const) === "error_if_incomplete"
        ? "error_if_incomplete"
        : str(p, "payment_behavior") === "default_incomplete"
          ? "default_incomplete"
          : "allow_incomplete",
    metadata: applyMetadata({}, p),
    currency:
      p.currency !== undefined ? parseCurrency(reqStr(p, "currency"), "currency") : undefined,
    description: str(p, "description") ?? null,
    cancelAtPeriodEnd: bool(p, "cancel_at_period_end") ?? false,
    billingMode: billingModeParam(p),
  });
}

export function isLive(sub: Stripe.Subscription): boolean {
  return sub.status !== "canceled" && sub.status !== "incomplete_expired";
}

/** Proration lines for swapping an item's price now (credit unused time, charge the rest). */
export function prorationLines(
  ctx: Ctx,
  sub: Stripe.Subscription,
  item: Stripe.SubscriptionItem,
  newPrice: Stripe.Price,
  newQuantity: number,
): LineInput[] {
  const { start, end } = { start: item.current_period_start, end: item.current_period_end };
  if (sub.status === "trialing" || end <= ctx.now) return [];
  const fraction = Math.max(0, Math.min(1, (end - ctx.now) / Math.max(1, end - start)));
  const oldQty = item.quantity ?? 1;
  const credit = -Math.round(unitAmountIn(ctx, item.price, sub.currency) * oldQty * fraction);
  const charge = Math.round(
    unitAmountIn(ctx, newPrice, sub.currency, "items") * newQuantity * fraction,
  );
  const period = { start: ctx.now, end };
  const productOf = (p: Stripe.Price): string =>
    typeof p.product === "string" ? p.product : p.product.id;
  return [
    {
      description: `Unused time on ${oldQty} × ${item.price.nickname ?? item.price.id}`,
      amount: credit,
      quantity: oldQty,
      priceId: item.price.id,
      productId: productOf(item.price),
      period,
      proration: true,
      subscriptionItem: item.id,
    },
    {
      description: `Remaining time on ${newQuantity} × ${newPrice.nickname ?? newPrice.id}`,
      amount: charge,
      quantity: newQuantity,
      priceId: newPrice.id,
      productId: productOf(newPrice),
      period,
      proration: true,
      subscriptionItem: item.id,
    },
  ];
}

/**
 * What a price/quantity change of one item would cost (the portal's confirmation page): the
 * proration lines, or — for another billing interval — the unused-time credit plus the new
 * period, which Stripe invoices at once whatever the proration behavior.
 */
export function previewUpdate(
  ctx: Ctx,
  sub: Stripe.Subscription,
  item: Stripe.SubscriptionItem,
  newPrice: Stripe.Price,
  quantity: number,
  behavior: Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.ProrationBehavior,
): { total: number; invoicedNow: boolean } {
  const reset = sub.status !== "trialing" && intervalKey(newPrice) !== intervalKey(item.price);
  const prorated = behavior === "none" ? [] : prorationLines(ctx, sub, item, newPrice, quantity);
  const lines = reset
    ? [...prorated.slice(0, 1), { amount: unitAmountIn(ctx, newPrice, sub.currency) * quantity }]
    : prorated;
  return {
    total: lines.reduce((a, l) => a + l.amount, 0),
    invoicedNow: reset || behavior === "always_invoice",
  };
}

export interface ItemChange {
  itemId: string | null;
  price: string | null;
  quantity: number | null;
  deleted: boolean;
}

export interface UpdateInput {
  items?: ItemChange[];
  prorationBehavior?: ProrationBehavior;
  cancelAtPeriodEnd?: boolean;
  cancelAt?: number | null;
  metadata?: Record<string, string>;
  defaultPaymentMethod?: string | null;
  description?: string | null;
  cancellationDetails?: {
    comment: string | null;
    feedback: Stripe.Subscription.CancellationDetails.Feedback | null;
  };
  trialEndNow?: boolean;
}

/** Shared by the API and the portal. Emits one customer.subscription.updated with previous_attributes. */
export function applySubscriptionUpdate(
  ctx: Ctx,
  sub: Stripe.Subscription,
  input: UpdateInput,
): Stripe.Subscription {
  if (!isLive(sub)) {
    throw badRequest(
      `A canceled subscription can only update its cancellation_details and metadata.`,
    );
  }
  atCustomerTime(ctx, customerIdOf(sub));
  const before = structuredClone(sub);
  const customer = getCustomer(ctx, customerIdOf(sub), "customer");
  const proration = input.prorationBehavior ?? "create_prorations";
  // Every change is checked before the subscription is touched: a refused update changes nothing.
  const itemChanges = (input.items ?? []).map((change, i) => {
    const item = change.itemId ? sub.items.data.find((x) => x.id === change.itemId) : undefined;
    if (change.itemId && !item)
      throw invalid(`items[${i}][id]`, `Invalid subscription item: ${change.itemId}`);
    if (change.deleted) return { item, newPrice: null, quantity: 0 };
    const newPrice = change.price ? getPrice(ctx, change.price, `items[${i}][price]`) : item?.price;
    if (!newPrice) throw missing(`items[${i}][price]`);
    if (!newPrice.recurring)
      throw invalid(`items[${i}][price]`, "Subscriptions need recurring prices.");
    if (!priceSupports(ctx, newPrice, sub.currency))
      throw invalid(
        `items[${i}][price]`,
        `The price specified (${newPrice.id}) does not support the subscription's currency \`${sub.currency}\`.`,
      );
    return { item, newPrice, quantity: change.quantity ?? item?.quantity ?? 1 };
  });
  // Stripe: a price with another billing interval starts a new billing period now, invoiced at
  // once (the unused time of the old price credited unless proration_behavior=none).
  const resetCycle =
    sub.status !== "trialing" &&
    itemChanges.some(
      ({ item, newPrice }) => item && newPrice && intervalKey(newPrice) !== intervalKey(item.price),
    );
  const lines: LineInput[] = [];
  for (const { item, newPrice, quantity } of itemChanges) {
    if (!newPrice) {
      if (item) sub.items.data = sub.items.data.filter((x) => x !== item);
      continue;
    }
    if (item) {
      if (newPrice.id === item.price.id && quantity === (item.quantity ?? 1)) continue;
      const prorated = prorationLines(ctx, sub, item, newPrice, quantity);
      lines.push(...(resetCycle ? prorated.slice(0, 1) : prorated));
      item.price = structuredClone(newPrice);
      item.plan = planFromPrice(newPrice);
      item.quantity = quantity;
    } else {
      const period = periodOf(sub);
      sub.items.data.push(itemFactory(ctx, sub.id, newPrice, quantity, period));
    }
  }
  const first = sub.items.data[0]?.price;
  if (resetCycle && first) {
    if (proration === "none") lines.length = 0;
    const period = { start: ctx.now, end: nextPeriodEnd(ctx.now, first, ctx.now) };
    for (const item of sub.items.data) {
      item.current_period_start = period.start;
      item.current_period_end = period.end;
    }
    sub.billing_cycle_anchor = period.start;
    lines.push(...takePendingLines(ctx, sub, period.start), ...itemLines(ctx, sub, period));
  }
  if (input.cancelAtPeriodEnd !== undefined) {
    sub.cancel_at_period_end = input.cancelAtPeriodEnd;
    sub.cancel_at = input.cancelAtPeriodEnd ? periodOf(sub).end : null;
    if (input.cancelAtPeriodEnd) sub.canceled_at = ctx.now;
    else sub.canceled_at = null;
  }
  if (input.cancelAt !== undefined) {
    sub.cancel_at = input.cancelAt;
    sub.cancel_at_period_end = false;
    sub.canceled_at = input.cancelAt === null ? null : ctx.now;
  }
  if (input.cancelAtPeriodEnd !== undefined || input.cancelAt !== undefined) {
    const scheduled = sub.cancel_at !== null;
    sub.cancellation_details = {
      comment: scheduled ? (input.cancellationDetails?.comment ?? null) : null,
      feedback: scheduled ? (input.cancellationDetails?.feedback ?? null) : null,
      feedback_option: null,
      reason: scheduled ? "cancellation_requested" : null,
    };
  }
  if (input.metadata) sub.metadata = input.metadata;
  if (input.description !== undefined) sub.description = input.description;
  if (input.defaultPaymentMethod !== undefined) {
    if (input.defaultPaymentMethod) {
      const pm = ctx.s.paymentMethods[input.defaultPaymentMethod];
      if (!pm || pm.customer !== customer.id)
        throw noSuch("PaymentMethod", input.defaultPaymentMethod, "default_payment_method");
    }
    sub.default_payment_method = input.defaultPaymentMethod;
  }
  if (input.trialEndNow && sub.status === "trialing") {
    endTrial(ctx, sub, before);
    return sub;
  }
  const invoiceNow = resetCycle || (lines.length > 0 && proration === "always_invoice");
  // The proration invoice's id is allocated first so the one updated event already names it.
  if (invoiceNow) sub.latest_invoice = newId("in");
  const changes = diff(before, sub);
  if (Object.keys(changes).length)
    ctx.emit("customer.subscription.updated", structuredClone(sub), changes);
  if (invoiceNow && typeof sub.latest_invoice === "string") {
    const inv = createFinalizedInvoice(ctx, {
      id: sub.latest_invoice,
      customer,
      subscription: sub.id,
      billingReason: "subscription_update",
      currency: sub.currency,
      lines,
      periodStart: ctx.now,
      periodEnd: ctx.now,
    });
    attemptInvoicePayment(ctx, inv, paymentMethodFor(ctx, sub), ctx.now + DAY_SECONDS);
    if (inv.status !== "paid" && sub.status === "active") {
      const beforeFailure = structuredClone(sub);
      setStatus(sub, "past_due");
      ctx.emit("customer.subscription.updated", structuredClone(sub), diff(beforeFailure, sub));
    }
  } else if (!resetCycle && lines.length && proration === "create_prorations") {
    const pending = lines.map((l) => ({
      description: l.description,
      amount: l.amount,
      priceId: l.priceId ?? "",
      quantity: l.quantity,
    }));
    internalOf(ctx, sub.id).pendingLines.push(...pending);
    emitPendingInvoiceItems(ctx, sub, pending);
  }
  return sub;
}

export function updateSubscription(ctx: Ctx, id: string, p: Params): Stripe.Subscription {
  allowOnly(p, [
    "items",
    "proration_behavior",
    "cancel_at_period_end",
    "cancel_at",
    "metadata",
    "default_payment_method",
    "description",
    "cancellation_details",
    "trial_end",
    "payment_behavior",
    "proration_date",
    "billing_cycle_anchor",
  ]);
  const sub = getSubscription(ctx, id);
  atCustomerTime(ctx, customerIdOf(sub));
  const items = objArr(p, "items")?.map((it, i) => ({
    itemId: str(it, "id", `items[${i}][id]`) ?? null,
    price: str(it, "price", `items[${i}][price]`) ?? null,
    quantity: int(it, "quantity", `items[${i}][quantity]`) ?? null,
    deleted: bool(it, "deleted", `items[${i}][deleted]`) ?? false,
  }));
  const cancelAtRaw = str(p, "cancel_at");
  let cancelAt: number | null | undefined;
  if (cancelAtRaw === "") cancelAt = null;
  else if (cancelAtRaw === "min_period_end" || cancelAtRaw === "max_period_end")
    cancelAt = periodOf(sub).end;
  else if (cancelAtRaw !== undefined) {
    cancelAt = Number(cancelAtRaw);
    if (!Number.isInteger(cancelAt)) throw invalid("cancel_at");
  }
  const cd = obj(p, "cancellation_details");
  if (!isLive(sub)) {
    // Stripe allows only metadata/cancellation_details on canceled subscriptions.
    const before = structuredClone(sub);
    sub.metadata = applyMetadata(sub.metadata, p);
    const changes = diff(before, sub);
    if (Object.keys(changes).length)
      ctx.emit("customer.subscription.updated", structuredClone(sub), changes);
    if (items || cancelAtRaw !== undefined || p.cancel_at_period_end !== undefined) {
      throw badRequest(
        "A canceled subscription can only update its cancellation_details and metadata.",
      );
    }
    return sub;
  }
  const managing = attachedSchedule(ctx, sub);
  if (managing && (p.cancel_at_period_end !== undefined || cancelAtRaw !== undefined)) {
    // Stripe's refusal, whatever the value (also `false` / `""`). Item changes are accepted (the
    // next phase of the schedule replaces them), like Stripe does.
    throw badRequest(
      `The subscription is managed by the subscription schedule \`${managing.id}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`,
    );
  }
  return applySubscriptionUpdate(ctx, sub, {
    items,
    prorationBehavior: oneOf(p, "proration_behavior", [
      "none",
      "create_prorations",
      "always_invoice",
    ] as const),
    cancelAtPeriodEnd: bool(p, "cancel_at_period_end"),
    cancelAt,
    metadata: p.metadata !== undefined ? applyMetadata(sub.metadata, p) : undefined,
    defaultPaymentMethod:
      p.default_payment_method !== undefined ? str(p, "default_payment_method") || null : undefined,
    description: p.description !== undefined ? str(p, "description") || null : undefined,
    cancellationDetails: cd
      ? {
          comment: str(cd, "comment", "cancellation_details[comment]") || null,
          feedback: oneOf(cd, "feedback", FEEDBACK, "cancellation_details[feedback]") ?? null,
        }
      : undefined,
    trialEndNow: str(p, "trial_end") === "now",
  });
}

export const FEEDBACK = [
  "customer_service",
  "low_quality",
  "missing_features",
  "other",
  "switched_service",
  "too_complex",
  "too_expensive",
  "unused",
] as const;

/** Immediate cancel (API DELETE, portal "immediately", end of a scheduled cancel, failed dunning). */
export function cancelNow(
  ctx: Ctx,
  sub: Stripe.Subscription,
  reason: Stripe.Subscription.CancellationDetails.Reason,
  opts: {
    invoiceNow?: boolean;
    prorate?: boolean;
    feedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
    comment?: string | null;
  } = {},
): Stripe.Subscription {
  if (!isLive(sub)) {
    throw badRequest(
      `No such subscription: '${sub.id}'. It has already been canceled.`,
      undefined,
      "resource_missing",
    );
  }
  atCustomerTime(ctx, customerIdOf(sub));
  const before = structuredClone(sub);
  sub.status = "canceled";
  sub.canceled_at = sub.cancel_at !== null && sub.canceled_at !== null ? sub.canceled_at : ctx.now;
  sub.ended_at = ctx.now;
  sub.cancellation_details = {
    comment: opts.comment ?? sub.cancellation_details?.comment ?? null,
    feedback: opts.feedback ?? sub.cancellation_details?.feedback ?? null,
    feedback_option: null,
    reason,
  };
  // Open invoices of the subscription stop being collected.
  for (const inv of Object.values(ctx.s.invoices)) {
    if (
      invoiceSubscriptionId(inv) === sub.id &&
      inv.status === "open" &&
      inv.next_payment_attempt !== null
    ) {
      const b = structuredClone(inv);
      inv.next_payment_attempt = null;
      ctx.emit("invoice.updated", structuredClone(inv), diff(b, inv));
    }
  }
  ctx.emit("customer.subscription.deleted", structuredClone(sub), diff(before, sub));
  onSubscriptionCanceled(ctx, sub, reason === "payment_failed");
  if (opts.prorate && opts.invoiceNow) {
    const lines = sub.items.data.flatMap((item) => {
      const credit = prorationLines(ctx, sub, item, item.price, 0);
      return credit.slice(0, 1);
    });
    if (lines.length) {
      const customer = getCustomer(ctx, customerIdOf(sub));
      const inv = createFinalizedInvoice(ctx, {
        customer,
        subscription: sub.id,
        billingReason: "subscription_update",
        currency: sub.currency,
        lines,
        periodStart: ctx.now,
        periodEnd: ctx.now,
      });
      attemptInvoicePayment(ctx, inv, null, null);
    }
  }
  return sub;
}

export function cancelSubscription(ctx: Ctx, id: string, p: Params): Stripe.Subscription {
  allowOnly(p, ["invoice_now", "prorate", "cancellation_details"]);
  const sub = getSubscription(ctx, id);
  const cd = obj(p, "cancellation_details");
  return cancelNow(ctx, sub, "cancellation_requested", {
    invoiceNow: bool(p, "invoice_now"),
    prorate: bool(p, "prorate"),
    comment: cd ? str(cd, "comment") || null : null,
    feedback: cd ? (oneOf(cd, "feedback", FEEDBACK) ?? null) : null,
  });
}

/**
 * `POST /v1/subscription_schedules/:id/cancel`: cancels the schedule and, if it manages a live
 * subscription, that subscription immediately (`invoice_now`/`prorate`, default true like
 * Stripe). Emits customer.subscription.deleted then subscription_schedule.canceled.
 */
export function cancelScheduleById(ctx: Ctx, id: string, p: Params): Stripe.SubscriptionSchedule {
  allowOnly(p, ["invoice_now", "prorate"]);
  const sched = getSchedule(ctx, id);
  assertCancelable(sched);
  const subId =
    typeof sched.subscription === "string" ? sched.subscription : sched.subscription?.id;
  const sub = subId ? ctx.s.subscriptions[subId] : undefined;
  if (sub && isLive(sub)) {
    cancelNow(ctx, sub, "cancellation_requested", {
      invoiceNow: bool(p, "invoice_now") ?? true,
      prorate: bool(p, "prorate") ?? true,
    });
    return sched;
  }
  return markCanceled(ctx, sched);
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

// ---------------------------------------------------------------------------------------------
// Time-driven lifecycle
// ---------------------------------------------------------------------------------------------

export type DueKind =
  | "trial_will_end"
  | "trial_end"
  | "cancel_at"
  | "schedule_phase"
  | "period_end"
  | "retry"
  | "incomplete_expire";

/** At the same instant, a schedule's phase change comes first (it decides what is renewed). */
const DUE_ORDER: Record<DueKind, number> = {
  incomplete_expire: 0,
  schedule_phase: 1,
  trial_will_end: 2,
  trial_end: 3,
  cancel_at: 4,
  period_end: 5,
  retry: 6,
};

export function nextDue(ctx: Ctx, sub: Stripe.Subscription): { at: number; kind: DueKind } | null {
  if (!isLive(sub)) return null;
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
function applyPhaseItems(
  ctx: Ctx,
  sub: Stripe.Subscription,
  phase: Stripe.SubscriptionSchedule.Phase,
): boolean {
  const wanted = phase.items.map((it) => ({
    price: ctx.s.prices[typeof it.price === "string" ? it.price : it.price.id],
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
function processSchedulePhase(
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
        price: typeof it.price === "string" ? it.price : it.price.id,
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
function renewPeriod(ctx: Ctx, sub: Stripe.Subscription, before: Stripe.Subscription): void {
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

function endTrial(ctx: Ctx, sub: Stripe.Subscription, before: Stripe.Subscription): void {
  const price = sub.items.data[0]?.price;
  if (!price) return;
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
function invoicePeriod(
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
  const due = lines.reduce((a, l) => a + l.amount, 0);
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
  });
  sub.latest_invoice = inv.id;
  if (!collect) return;
  const retryAt = nextRetryAt(ctx.dunning, 1, ctx.now);
  const result = attemptInvoicePayment(ctx, inv, pmId, retryAt);
  internal.failedAttempts = result.ok ? 0 : 1;
  if (!result.ok && retryAt === null) afterLastRetry(ctx, sub);
}

/** Every retry failed: the account's final action (Stripe's "Subscription status" setting). */
function afterLastRetry(ctx: Ctx, sub: Stripe.Subscription): void {
  if (ctx.dunning.finalAction === "cancel") {
    cancelNow(ctx, sub, "payment_failed");
  } else if (ctx.dunning.finalAction === "unpaid" && sub.status !== "unpaid") {
    // The invoice stays open (no further attempts); paying it makes the subscription active.
    const before = structuredClone(sub);
    setStatus(sub, "unpaid");
    ctx.emit("customer.subscription.updated", structuredClone(sub), diff(before, sub));
  }
  // "past_due": left as it is, the invoice open with no next attempt.
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
    case "retry": {
      const inv =
        typeof sub.latest_invoice === "string" ? ctx.s.invoices[sub.latest_invoice] : undefined;
      if (!inv) return;
      // This is attempt failedAttempts + 1; the next one follows the account's schedule.
      const retryAt = nextRetryAt(ctx.dunning, internal.failedAttempts + 1, ctx.now);
      const result = attemptInvoicePayment(ctx, inv, paymentMethodFor(ctx, sub), retryAt);
      if (result.ok) {
        internal.failedAttempts = 0;
        if (sub.status !== "active") {
          setStatus(sub, "active");
          ctx.emit("customer.subscription.updated", structuredClone(sub), diff(before, sub));
        }
      } else {
        internal.failedAttempts += 1;
        if (retryAt === null) afterLastRetry(ctx, sub);
      }
      return;
    }
  }
}

/** After a new card: pay the subscription's open invoice right away (portal behaviour). */
export function retryOpenInvoice(
  ctx: Ctx,
  sub: Stripe.Subscription,
  invoice?: Stripe.Invoice,
  /** `invoices.pay({payment_method})`: this card instead of the subscription's or customer's. */
  paymentMethod?: string,
): void {
  atCustomerTime(ctx, customerIdOf(sub));
  // `invoices.pay` names its invoice, which need not be the latest (an `unpaid` subscription
  // keeps invoicing renewals while older ones stay open).
  const inv =
    invoice ??
    (typeof sub.latest_invoice === "string" ? ctx.s.invoices[sub.latest_invoice] : undefined);
  if (!inv || inv.status !== "open") return;
  const before = structuredClone(sub);
  const result = attemptInvoicePayment(
    ctx,
    inv,
    paymentMethod ?? paymentMethodFor(ctx, sub),
    inv.next_payment_attempt,
  );
  if (
    result.ok &&
    (sub.status === "past_due" || sub.status === "incomplete" || sub.status === "unpaid")
  ) {
    internalOf(ctx, sub.id).failedAttempts = 0;
    setStatus(sub, "active");
    ctx.emit("customer.subscription.updated", structuredClone(sub), diff(before, sub));
  }
}
