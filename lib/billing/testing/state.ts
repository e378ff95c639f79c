import type Stripe from "stripe";
import {
  defaultPaymentMethodId,
  invoiceData,
  isStoredInvoice,
  paymentMethodData,
  subscriptionData,
} from "@/lib/billing/sync-records";
import { schedulePriceIds } from "@/lib/billing/sync/subscription-terms";
import { db } from "@/lib/db";
import { getStripe } from "@/lib/stripe";

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
    },
    subscriptions: subscriptions.map((s) => subscriptionData(s, invoices, context(s))).sort(byId),
    invoices: invoices.filter(isStoredInvoice).map(invoiceData).sort(byId),
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
