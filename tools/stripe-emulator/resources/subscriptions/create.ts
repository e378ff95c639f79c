/**
 * Creating a subscription (API and Checkout): the first invoice, trials, and `incomplete` when the
 * card needs action.
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { diff } from "../../engine/request-context";
import { badRequest, cardDeclined, invalid, missing } from "../../http/errors";
import { newId, type MissingPaymentMethod } from "../../engine/store";
import {
  createDiscounts,
  discountedTotal,
  onceDiscountsUsed,
  type ResolvedDiscount,
} from "../discounts";
import { getCustomer } from "../customers";
import { createFinalizedInvoice } from "../invoices/invoices";
import { attemptInvoicePayment, chargeOutcome } from "../invoices/payment";
import { getPrice, priceSupports } from "../prices";
import { atCustomerTime } from "../test-clocks";
import {
  itemFactory,
  subscriptionFactory,
  internalOf,
  paymentMethodFor,
  nextPeriodEnd,
  itemLines,
  setStatus,
} from "./subscriptions";

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
  /** Checked coupons / promotion codes (resolveDiscountRefs), redeemed when the subscription is made. */
  discounts?: ResolvedDiscount[];
  /** The Checkout Session the discounts came through (`discount.checkout_session`). */
  checkoutSession?: string | null;
  /** `trial_settings[end_behavior][missing_payment_method]` (Stripe's default: create_invoice). */
  missingPaymentMethod?: MissingPaymentMethod;
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
  const resolved = input.discounts ?? [];
  const total = discountedTotal(
    ctx,
    resolved.map((d) => d.coupon),
    lines,
    currency,
  );
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
  if (input.missingPaymentMethod)
    sub.trial_settings = {
      end_behavior: {
        billing_cycle_anchor: null,
        missing_payment_method: input.missingPaymentMethod,
      },
    };
  ctx.s.subscriptions[id] = sub;
  const internal = internalOf(ctx, id);
  const discounts = createDiscounts(ctx, resolved, {
    customer: customer.id,
    subscription: id,
    checkoutSession: input.checkoutSession,
  });
  sub.discounts = discounts.map((d) => d.id);
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
    discounts,
  });
  internal.usedOnce = onceDiscountsUsed(ctx, inv);
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
