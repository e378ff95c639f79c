import type Stripe from "stripe";
import { PLANS } from "@/lib/billing/catalog/plans";
import {
  defaultPaymentMethodId,
  invoiceData,
  isStoredInvoice,
  paymentMethodData,
  subscriptionData,
} from "@/lib/billing/sync/records";
import { schedulePriceIds } from "@/lib/billing/sync/subscription-terms";
import { db } from "@/lib/db";
import { getStripe } from "@/lib/stripe";

/**
 * The sync tests' equality oracle: `expect(await storedState(c)).toEqual(await stripeState(c))`.
 *
 * The fields the billing page shows (see `shown*` below) are written out here from Stripe's raw
 * objects, by plain field reads, never through the app's mapping (lib/billing/sync/records.ts): a
 * bug in that mapping (a swapped period start/end, the wrong item, a lost lookup key) makes the two
 * sides differ. The other columns still come from the mapping functions: for them the oracle only
 * proves that the stored row is up to date with Stripe, not that the mapping is right (the derived
 * ones the page also shows, discounts, pendingChange and automaticTax, are unit-tested in
 * lib/billing/sync/records.test.ts).
 */

/** The catalog as data (PLANS is the spec): which plan and interval each lookup key sells. */
const CATALOG = Object.values(PLANS).flatMap((plan) =>
  Object.values(plan.prices).map((price) => ({ plan: plan.key, ...price })),
);

/**
 * The plan a price stands for: its lookup key's, if the price bills as the catalog says; a catalog
 * price that lost its key to a newer one (an amount change) keeps the plan its `metadata.plan` tag
 * names. Null for anything else.
 */
function expectedPlanKey(price: Stripe.Price): string | null {
  const recurring = price.recurring;
  if (!recurring || recurring.interval_count !== 1) return null;
  const entry = price.lookup_key
    ? CATALOG.find((c) => c.lookupKey === price.lookup_key)
    : CATALOG.find((c) => c.plan === price.metadata.plan && c.interval === recurring.interval);
  if (!entry || entry.interval !== recurring.interval || entry.currency !== price.currency) {
    return null;
  }
  return entry.plan;
}

const at = (seconds: number | null | undefined) =>
  typeof seconds === "number" ? new Date(seconds * 1000) : null;

/** What the billing page shows of a subscription, read straight off Stripe's object. */
async function shownSubscription(subscription: Stripe.Subscription) {
  const items = subscription.items.data;
  const item = items.find((i) => expectedPlanKey(i.price) !== null) ?? items[0];
  const price = item?.price;
  const planKey = price ? expectedPlanKey(price) : null;
  let unitAmount: number | null = null;
  if (price && price.currency === subscription.currency) unitAmount = price.unit_amount;
  else if (price) {
    const withOptions = await getStripe().prices.retrieve(price.id, {
      expand: ["currency_options"],
    });
    unitAmount = withOptions.currency_options?.[subscription.currency]?.unit_amount ?? null;
  }
  return {
    id: subscription.id,
    status: subscription.status,
    priceId: price?.id ?? null,
    priceLookupKey: price?.lookup_key ?? null,
    planKey,
    unknownPrice: planKey === null,
    interval: price?.recurring?.interval ?? null,
    quantity: item?.quantity ?? 1,
    unitAmount,
    currency: subscription.currency,
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    cancelAt: at(subscription.cancel_at),
    endedAt: at(subscription.ended_at),
    trialEnd: at(subscription.trial_end),
    // Since API 2025-03-31 the billing period is the item's.
    currentPeriodEnd: at(item?.current_period_end),
  };
}

/** What the billing page shows of an invoice. */
function shownInvoice(invoice: Stripe.Invoice) {
  return {
    id: invoice.id,
    number: invoice.number,
    status: invoice.status,
    total: invoice.total,
    currency: invoice.currency,
  };
}

/** What the billing page shows of the default payment method. */
function shownPaymentMethod(pm: Stripe.PaymentMethod | null) {
  return {
    defaultPaymentMethodId: pm?.id ?? null,
    paymentMethodType: pm?.type ?? null,
    cardBrand: pm?.card?.brand ?? null,
    cardLast4: pm?.card?.last4 ?? null,
  };
}

/** Stripe's current state of a customer, in the shape of our rows. */
export async function stripeState(customerId: string) {
  const stripe = getStripe();
  const customer = (await stripe.customers.retrieve(customerId)) as Stripe.Customer;
  const subscriptions = (
    await stripe.subscriptions.list({
      customer: customerId,
      status: "all",
      limit: 100,
      expand: ["data.schedule", "data.discounts.source.coupon"],
    })
  ).data;
  // Schedules name their phases' prices by id: read each one, as the sync does.
  const prices = new Map<string, Stripe.Price>();
  for (const s of subscriptions) {
    if (!s.schedule || typeof s.schedule === "string") continue;
    for (const id of schedulePriceIds(s.schedule)) prices.set(id, await stripe.prices.retrieve(id));
  }
  const context = (s: Stripe.Subscription) => ({
    schedule: typeof s.schedule === "object" ? s.schedule : null,
    prices,
  });
  const invoices = (await stripe.invoices.list({ customer: customerId, limit: 100 })).data;
  const pmId = defaultPaymentMethodId(customer, subscriptions);
  const pm = pmId ? await stripe.paymentMethods.retrieve(pmId) : null;
  return {
    customer: {
      email: customer.email,
      name: customer.name,
      deleted: false,
      ...paymentMethodData(pm),
      ...shownPaymentMethod(pm),
    },
    subscriptions: (
      await Promise.all(
        subscriptions.map(async (s) => ({
          ...subscriptionData(s, invoices, context(s)),
          ...(await shownSubscription(s)),
        })),
      )
    ).sort(byId),
    invoices: invoices
      .filter(isStoredInvoice)
      .map((invoice) => ({ ...invoiceData(invoice), ...shownInvoice(invoice) }))
      .sort(byId),
  };
}

/** Our records of a customer, in the same shape. */
export async function storedState(customerId: string) {
  const customer = await db.billingCustomer.findUniqueOrThrow({ where: { id: customerId } });
  const subscriptions = await db.subscription.findMany({
    where: { stripeCustomerId: customerId },
    omit: { userId: true, stripeCustomerId: true, createdAt: true, updatedAt: true },
  });
  const invoices = await db.invoice.findMany({
    where: { stripeCustomerId: customerId },
    omit: { userId: true, stripeCustomerId: true, createdAt: true, updatedAt: true },
  });
  return {
    customer: {
      email: customer.email,
      name: customer.name,
      deleted: customer.deleted,
      defaultPaymentMethodId: customer.defaultPaymentMethodId,
      paymentMethodType: customer.paymentMethodType,
      cardBrand: customer.cardBrand,
      cardLast4: customer.cardLast4,
      cardExpMonth: customer.cardExpMonth,
      cardExpYear: customer.cardExpYear,
      paymentMethodLabel: customer.paymentMethodLabel,
    },
    subscriptions: subscriptions.sort(byId),
    invoices: invoices.sort(byId),
  };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
