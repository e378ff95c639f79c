import type Stripe from "stripe";
import { idOf } from "@/lib/billing/stripe/ids";
import { catalogEntryForPrice } from "@/lib/billing/catalog/plans";
import { pickCurrentSubscription } from "@/lib/billing/access/current-subscription";
import { invoicePaymentNeedsAction } from "@/lib/billing/sync/payment-action";
import { summarizePaymentMethod } from "@/lib/billing/sync/payment-method-summary";
import {
  discountsOf,
  pendingChangeOf,
  planLine,
  unitAmountIn,
  type DiscountData,
  type PendingChange,
} from "@/lib/billing/sync/subscription-terms";

/**
 * Pure mapping from Stripe's objects to the rows the app stores. Kept apart from the fetching and
 * writing in sync.ts so the mapping can be tested without Stripe or a database.
 */

export type SubscriptionData = {
  id: string;
  status: string;
  priceId: string | null;
  productId: string | null;
  priceLookupKey: string | null;
  planKey: string | null;
  unknownPrice: boolean;
  interval: string | null;
  quantity: number;
  unitAmount: number | null;
  currency: string;
  discounts: DiscountData[];
  automaticTax: boolean;
  scheduleId: string | null;
  pendingChange: PendingChange | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  canceledAt: Date | null;
  endedAt: Date | null;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  trialStart: Date | null;
  trialEnd: Date | null;
  pastDueSince: Date | null;
  livemode: boolean;
  stripeCreatedAt: Date;
};

export type InvoiceData = {
  id: string;
  subscriptionId: string | null;
  number: string | null;
  status: string | null;
  total: number;
  amountDue: number;
  amountPaid: number;
  currency: string;
  hostedInvoiceUrl: string | null;
  invoicePdf: string | null;
  /** Open, and its payment waits for 3-D Secure (the page's "Confirm your payment"). */
  paymentActionRequired: boolean;
  livemode: boolean;
  stripeCreatedAt: Date;
};

export type PaymentMethodData = {
  defaultPaymentMethodId: string | null;
  paymentMethodType: string | null;
  cardBrand: string | null;
  cardLast4: string | null;
  cardExpMonth: number | null;
  cardExpYear: number | null;
  paymentMethodLabel: string | null;
};

export const NO_PAYMENT_METHOD: PaymentMethodData = {
  defaultPaymentMethodId: null,
  paymentMethodType: null,
  cardBrand: null,
  cardLast4: null,
  cardExpMonth: null,
  cardExpYear: null,
  paymentMethodLabel: null,
};

function date(seconds: number | null | undefined): Date | null {
  return typeof seconds === "number" ? new Date(seconds * 1000) : null;
}

/** The item that decides the plan (see `planLine`); a non-catalog one is flagged by the caller. */
export function planItem(subscription: Stripe.Subscription): Stripe.SubscriptionItem | null {
  return planLine(subscription.items.data);
}

export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  return idOf(invoice.parent?.subscription_details?.subscription);
}

/** What a subscription's mapping needs besides itself: its schedule and the prices it names. */
export type SubscriptionContext = {
  schedule: Stripe.SubscriptionSchedule | null;
  /** Prices by id, for schedule phases and currency options (see sync/fetch.ts). */
  prices: ReadonlyMap<string, Stripe.Price>;
  /** Coupons by id, read with their currency options (see sync/fetch.ts). */
  coupons?: ReadonlyMap<string, Stripe.Coupon>;
};

const NO_CONTEXT: SubscriptionContext = { schedule: null, prices: new Map() };

export function subscriptionData(
  subscription: Stripe.Subscription,
  invoices: readonly Stripe.Invoice[],
  context: SubscriptionContext = NO_CONTEXT,
): SubscriptionData {
  const item = planItem(subscription);
  const price = item?.price ?? null;
  const entry = catalogEntryForPrice(price);
  const billedPrice = price ? (context.prices.get(price.id) ?? price) : null;
  return {
    id: subscription.id,
    status: subscription.status,
    priceId: price?.id ?? null,
    productId: idOf(price?.product),
    priceLookupKey: price?.lookup_key ?? null,
    planKey: entry?.plan.key ?? null,
    unknownPrice: entry === null,
    interval: price?.recurring?.interval ?? null,
    quantity: item?.quantity ?? 1,
    unitAmount: billedPrice ? unitAmountIn(billedPrice, subscription.currency) : null,
    currency: subscription.currency,
    discounts: discountsOf(subscription, context.coupons),
    // Tax "on top" only: an inclusive price already contains it.
    automaticTax: subscription.automatic_tax.enabled && billedPrice?.tax_behavior !== "inclusive",
    scheduleId: idOf(subscription.schedule),
    pendingChange: pendingChangeOf(subscription, context.schedule, context.prices),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    cancelAt: date(subscription.cancel_at),
    canceledAt: date(subscription.canceled_at),
    endedAt: date(subscription.ended_at),
    // Since API 2025-03-31 the billing period lives on the items, not on the subscription.
    currentPeriodStart: date(item?.current_period_start),
    currentPeriodEnd: date(item?.current_period_end),
    trialStart: date(subscription.trial_start),
    trialEnd: date(subscription.trial_end),
    pastDueSince: pastDueSince(subscription, item, invoices),
    livemode: subscription.livemode,
    stripeCreatedAt: new Date(subscription.created * 1000),
  };
}

/**
 * Start of the grace period, derived from Stripe's state rather than from when we happened to see
 * the status change: the oldest open invoice of the subscription, else its current period start.
 */
function pastDueSince(
  subscription: Stripe.Subscription,
  item: Stripe.SubscriptionItem | null,
  invoices: readonly Stripe.Invoice[],
): Date | null {
  if (subscription.status !== "past_due") return null;
  const unpaid = invoices
    .filter((inv) => inv.status === "open" && invoiceSubscriptionId(inv) === subscription.id)
    .map((inv) => inv.created);
  if (unpaid.length > 0) return new Date(Math.min(...unpaid) * 1000);
  return date(item?.current_period_start);
}

export function invoiceData(invoice: Stripe.Invoice): InvoiceData {
  return {
    id: invoice.id,
    subscriptionId: invoiceSubscriptionId(invoice),
    number: invoice.number,
    status: invoice.status,
    total: invoice.total,
    amountDue: invoice.amount_due,
    amountPaid: invoice.amount_paid,
    currency: invoice.currency,
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    invoicePdf: invoice.invoice_pdf ?? null,
    paymentActionRequired: invoicePaymentNeedsAction(invoice),
    livemode: invoice.livemode,
    stripeCreatedAt: new Date(invoice.created * 1000),
  };
}

/** Drafts are Stripe's work in progress (deletable, no number): they are not shown or stored. */
export function isStoredInvoice(invoice: Stripe.Invoice): boolean {
  return invoice.status !== "draft";
}

export function paymentMethodData(paymentMethod: Stripe.PaymentMethod | null): PaymentMethodData {
  if (!paymentMethod) return NO_PAYMENT_METHOD;
  const card = paymentMethod.card;
  return {
    defaultPaymentMethodId: paymentMethod.id,
    paymentMethodType: paymentMethod.type,
    cardBrand: card?.brand ?? null,
    cardLast4: card?.last4 ?? null,
    cardExpMonth: card?.exp_month ?? null,
    cardExpYear: card?.exp_year ?? null,
    paymentMethodLabel: summarizePaymentMethod(paymentMethod).label,
  };
}

/**
 * Which payment method the billing page shows: the customer's invoice default, else the default
 * of the current subscription (Checkout sets the subscription's, not the customer's).
 */
export function defaultPaymentMethodId(
  customer: Stripe.Customer,
  subscriptions: readonly Stripe.Subscription[],
): string | null {
  const fromCustomer = idOf(customer.invoice_settings.default_payment_method);
  if (fromCustomer) return fromCustomer;
  const current = pickCurrentSubscription(
    subscriptions.map((s) => ({
      id: s.id,
      status: s.status,
      stripeCreatedAt: new Date(s.created * 1000),
      s,
    })),
  );
  return idOf(current?.s.default_payment_method);
}
