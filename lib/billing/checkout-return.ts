import type Stripe from "stripe";
import { z } from "zod";
import { BillingCustomerMismatchError, findStripeCustomerId } from "@/lib/billing/customers";
import { idOf } from "@/lib/billing/sync-records";
import { syncStripeCustomer, type SyncResult } from "@/lib/billing/sync/sync-customer";
import { getStripe } from "@/lib/stripe";

// The session id arrives in the success URL's query string: untrusted until Stripe confirms it.
const checkoutSessionId = z.string().regex(/^cs_\w+$/);

/**
 * Called when the browser comes back from Checkout: syncs the signed-in user's customer right
 * away instead of waiting for the webhook. Only the user's own session is honoured; the customer
 * id comes from our records, never from the URL. Answers the session too, for its status.
 */
export async function syncAfterCheckout(
  userId: string,
  sessionId: unknown,
): Promise<{ session: Stripe.Checkout.Session; sync: SyncResult } | null> {
  const parsed = checkoutSessionId.safeParse(sessionId);
  if (!parsed.success) return null;
  const customerId = await findStripeCustomerId(userId);
  if (!customerId) return null;
  const session = await getStripe().checkout.sessions.retrieve(parsed.data);
  if (idOf(session.customer) !== customerId) {
    throw new BillingCustomerMismatchError(
      `Checkout session ${session.id} is not for user ${userId}.`,
    );
  }
  return { session, sync: await syncStripeCustomer(customerId) };
}
