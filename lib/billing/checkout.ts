import {
  BillingActionError,
  isStripeResourceMissing,
  toBillingActionError,
} from "@/lib/billing/billing-errors";
import { enforceBillingRateLimit } from "@/lib/billing/billing-rate-limit";
import { catalogEntryForLookupKey, type CatalogEntry } from "@/lib/billing/catalog";
import { isLiveSubscriptionStatus } from "@/lib/billing/current-subscription";
import { syncAfterCheckout } from "@/lib/billing/checkout-return";
import { BillingCustomerMismatchError, getOrCreateStripeCustomer } from "@/lib/billing/customers";
import { createPortalSessionUrl, billingPageUrl } from "@/lib/billing/portal";
import { resolveCatalogPrices } from "@/lib/billing/prices";
import { syncStripeCustomer } from "@/lib/billing/sync/sync-customer";
import { withLease } from "@/lib/lease";
import { getStripe } from "@/lib/stripe";

/**
 * Where to send a user who picked a plan: a Checkout session when they have no live subscription,
 * otherwise the portal's confirm-this-plan flow, so nobody ever ends up with two subscriptions.
 * Stripe is asked, not only our records, because a webhook may not have arrived yet.
 */
export async function startSubscription(
  userId: string,
  lookupKey: string,
): Promise<{ kind: "checkout" | "portal"; url: string }> {
  const entry = catalogEntryForLookupKey(lookupKey);
  if (!entry) throw new BillingActionError("unknown_plan");
  await enforceBillingRateLimit(userId);

  let customer: string;
  let hasLiveSubscription: boolean;
  try {
    customer = await getOrCreateStripeCustomer(userId);
    const existing = await getStripe().subscriptions.list({ customer, status: "all", limit: 20 });
    hasLiveSubscription = existing.data.some((s) => isLiveSubscriptionStatus(s.status));
  } catch (error) {
    throw toBillingActionError(error, "checkout precheck");
  }
  if (hasLiveSubscription) {
    // The deep link is checked against our records: bring them up to date first, in case the
    // subscription's webhooks have not arrived yet.
    try {
      await syncStripeCustomer(customer);
    } catch (error) {
      throw toBillingActionError(error, "sync before plan switch");
    }
    return {
      kind: "portal",
      url: await createPortalSessionUrl(
        userId,
        { flow: "switch", price: lookupKey },
        { rateLimitChecked: true },
      ),
    };
  }
  return { kind: "checkout", url: await createCheckoutSessionUrl(userId, customer, entry) };
}

async function createCheckoutSessionUrl(
  userId: string,
  customer: string,
  entry: CatalogEntry,
): Promise<string> {
  try {
    const { byLookupKey } = await resolveCatalogPrices();
    const price = byLookupKey.get(entry.price.lookupKey);
    if (!price) throw new BillingActionError("unknown_plan");
    // Two tabs (or a double submit) must not leave two payable Checkouts, each making a
    // subscription: under a per-user lease (a row, not a connection held across these Stripe
    // calls), earlier open sessions expire before a new one is made.
    return await withLease(`checkout-create:${userId}`, async () => {
      const stripe = getStripe();
      const open = await stripe.checkout.sessions.list({ customer, status: "open", limit: 10 });
      for (const earlier of open.data) await stripe.checkout.sessions.expire(earlier.id);
      return createCheckoutSession(userId, customer, price.id);
    });
  } catch (error) {
    throw toBillingActionError(error, "checkout session");
  }
}

async function createCheckoutSession(
  userId: string,
  customer: string,
  priceId: string,
): Promise<string> {
  const session = await getStripe().checkout.sessions.create({
    mode: "subscription",
    customer,
    client_reference_id: userId,
    line_items: [{ price: priceId, quantity: 1 }],
    // Stripe fills in {CHECKOUT_SESSION_ID}; the return handler verifies it belongs to the user.
    success_url: `${billingPageUrl()}?checkout={CHECKOUT_SESSION_ID}`,
    cancel_url: `${billingPageUrl()}?checkout=canceled`,
    metadata: { userId },
    subscription_data: { metadata: { userId } },
  });
  if (!session.url) throw new Error(`Checkout session ${session.id} has no URL.`);
  return session.url;
}

/**
 * The return from Checkout, as the billing page needs it: syncs at once (see checkout-return.ts)
 * and turns failures into a message for the customer.
 */
export async function completeCheckoutReturn(userId: string, sessionId: string): Promise<void> {
  try {
    const result = await syncAfterCheckout(userId, sessionId);
    if (!result) throw new BillingActionError("checkout_mismatch");
  } catch (error) {
    // Another user's, another mode's or a made-up session id: not this user's checkout.
    if (error instanceof BillingCustomerMismatchError || isStripeResourceMissing(error)) {
      throw new BillingActionError("checkout_mismatch");
    }
    throw toBillingActionError(error, "checkout return");
  }
}
