import type Stripe from "stripe";
import { z } from "zod";
import { BillingCustomerMismatchError, findStripeCustomerId } from "@/lib/billing/customers";
import { idOf } from "@/lib/billing/stripe/ids";
import { syncStripeCustomer, type SyncResult } from "@/lib/billing/sync/sync-customer";
import { getStripe } from "@/lib/stripe";

/** A Checkout session id as it arrives in a URL: untrusted until Stripe confirms it. */
export const checkoutSessionIdSchema = z.string().regex(/^cs_\w{1,200}$/);

/**
 * The signed-in user's own Checkout session, read from Stripe: null for a malformed id or a user
 * without a customer; throws BillingCustomerMismatchError for another customer's session. The
 * customer id comes from our records, never from the URL.
 */
export async function verifyCheckoutSession(
  userId: string,
  sessionId: unknown,
): Promise<{ session: Stripe.Checkout.Session; customerId: string } | null> {
  const parsed = checkoutSessionIdSchema.safeParse(sessionId);
  if (!parsed.success) return null;
  const customerId = await findStripeCustomerId(userId);
  if (!customerId) return null;
  const session = await getStripe().checkout.sessions.retrieve(parsed.data);
  if (idOf(session.customer) !== customerId) {
    throw new BillingCustomerMismatchError(
      `Checkout session ${session.id} is not for user ${userId}.`,
    );
  }
  return { session, customerId };
}

/**
 * The return from Checkout without waiting for the webhook: the user's own session, then a sync
 * of their customer.
 */
export async function syncAfterCheckout(
  userId: string,
  sessionId: unknown,
): Promise<{ session: Stripe.Checkout.Session; sync: SyncResult } | null> {
  const verified = await verifyCheckoutSession(userId, sessionId);
  if (!verified) return null;
  return { session: verified.session, sync: await syncStripeCustomer(verified.customerId) };
}
