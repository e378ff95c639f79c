import type Stripe from "stripe";
import { expect } from "vitest";
import { PLANS } from "@/lib/billing/catalog/plans";
import type { BillingHarness } from "@/lib/billing/testing/harness";
import { TEST_WEBHOOK_SECRET } from "@/lib/billing/testing/harness";
import { eventJson, signPayload } from "@/lib/billing/testing/signed-events";

/**
 * A Pro subscriber whose records are in sync. Import after startBillingHarness (lib modules read
 * the environment it sets).
 */
export async function subscribedCustomer(harness: BillingHarness, label: string) {
  const { getOrCreateStripeCustomer } = await import("@/lib/billing/customers");
  const { resolvePriceId } = await import("@/lib/billing/catalog/prices");
  const { createTestUser } = await import("@/lib/billing/testing/users");
  const { getStripe } = await import("@/lib/stripe");
  const state = await import("@/lib/billing/testing/state");
  const user = await createTestUser(label);
  const customerId = await getOrCreateStripeCustomer(user.id);
  const stripe = getStripe();
  const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customerId });
  const subscription = await stripe.subscriptions.create({
    customer: customerId,
    items: [{ price: await resolvePriceId("pro", "month") }],
    default_payment_method: pm.id,
  });
  await harness.settle();
  expect(await state.storedState(customerId)).toEqual(await state.stripeState(customerId));
  return { user, customerId, subscription };
}

/** A signed `customer.subscription.updated` delivery of the subscription as Stripe has it now. */
export async function subscriptionUpdatedEvent(subscriptionId: string) {
  const { getStripe } = await import("@/lib/stripe");
  const subscription = await getStripe().subscriptions.retrieve(subscriptionId);
  const { id, payload } = eventJson({
    type: "customer.subscription.updated",
    object: subscription as unknown as Record<string, unknown>,
  });
  return { id, payload, signature: () => signPayload(payload, TEST_WEBHOOK_SECRET) };
}

/** POSTs a delivery to the harness's receiver (real HTTP into the real route handler). */
export async function postDelivery(
  harness: BillingHarness,
  event: { payload: string; signature: () => string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(harness.webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": event.signature() },
    body: event.payload,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** How many syncs of the customer have finished (the queue counts them). */
export async function syncsOf(customerId: string): Promise<number> {
  const { db } = await import("@/lib/db");
  return (await db.customerSync.findUnique({ where: { customerId } }))?.syncCount ?? 0;
}

/**
 * Only the catalog's Pro monthly price in Stripe (its product and lookup key, as
 * `npm run stripe:setup` creates them), for tests that need a price and nothing else.
 */
export async function createProMonthlyPrice(stripe: Stripe): Promise<Stripe.Price> {
  const { lookupKey, unitAmount, currency, interval } = PLANS.pro.prices.month!;
  const product = await stripe.products.create({ name: PLANS.pro.name });
  return stripe.prices.create({
    product: product.id,
    lookup_key: lookupKey,
    unit_amount: unitAmount,
    currency,
    recurring: { interval },
  });
}
