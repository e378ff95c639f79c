/**
 * Changing a subscription (API and portal): items and quantities with their prorations (priced in
 * prorations.ts), billing-interval changes, cancel settings, the default card, `trial_end=now`.
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { diff } from "../../engine/request-context";
import { DAY_SECONDS } from "../../engine/clock";
import { badRequest, invalid, missing, noSuch } from "../../http/errors";
import { newId } from "../../engine/store";
import { getCustomer } from "../customers";
import { type LineInput } from "../invoices/invoices";
import { attemptInvoicePayment } from "../invoices/payment";
import { getPrice, priceSupports } from "../prices";
import { emitPendingInvoiceItems } from "../invoices/items";
import { atCustomerTime } from "../test-clocks";
import {
  ProrationBehavior,
  planFromPrice,
  itemFactory,
  internalOf,
  customerIdOf,
  periodOf,
  paymentMethodFor,
  intervalKey,
  nextPeriodEnd,
  setStatus,
  isLive,
  takePendingLines,
  itemLines,
} from "./subscriptions";
import { endTrial } from "./lifecycle";
import { invoiceChangeNow, prorationLines } from "./prorations";
import {
  createDiscounts,
  onceDiscountsUsed,
  takeSubscriptionDiscounts,
  type ResolvedDiscount,
} from "../discounts";

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
  /** Replaces the subscription's discounts (`discounts`; [] removes them all). */
  discounts?: ResolvedDiscount[];
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
  if (input.discounts) {
    const made = createDiscounts(ctx, input.discounts, {
      customer: customer.id,
      subscription: sub.id,
    });
    sub.discounts = made.map((d) => d.id);
  }
  if (input.trialEndNow && sub.status === "trialing") {
    endTrial(ctx, sub, before);
    return sub;
  }
  const invoiceNow = resetCycle || (lines.length > 0 && proration === "always_invoice");
  // The proration invoice's id is allocated first so the one updated event already names it.
  if (invoiceNow) sub.latest_invoice = newId("in");
  const internal = internalOf(ctx, sub.id);
  const discounts = invoiceNow ? takeSubscriptionDiscounts(ctx, sub, internal.usedOnce ?? []) : [];
  const changes = diff(before, sub);
  if (Object.keys(changes).length)
    ctx.emit("customer.subscription.updated", structuredClone(sub), changes);
  if (invoiceNow && typeof sub.latest_invoice === "string") {
    const inv = invoiceChangeNow(ctx, sub, customer, lines, sub.latest_invoice, discounts);
    internal.usedOnce = onceDiscountsUsed(ctx, inv);
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
    internal.pendingLines.push(...pending);
    emitPendingInvoiceItems(ctx, sub, pending);
  }
  return sub;
}
