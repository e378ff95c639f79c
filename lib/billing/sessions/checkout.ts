import { listCustomerSubscriptions } from "@/lib/billing/stripe/lists";
import Stripe from "stripe";
import { BillingActionError, toBillingActionError } from "@/lib/billing/sessions/errors";
import { enforceBillingRateLimit } from "@/lib/billing/sessions/rate-limits";
import {
  CHECKOUT_OPTIONS,
  catalogEntryForLookupKey,
  type Plan,
  type TrialTerms,
} from "@/lib/billing/catalog/plans";
import { parseSeats, seatLimits, trialOffer } from "@/lib/billing/catalog/offers";
import { loadSubscriptions } from "@/lib/billing/access/subscriptions";
import { isLiveSubscriptionStatus } from "@/lib/billing/access/current-subscription";
import { findStripeCustomerId, getOrCreateStripeCustomer } from "@/lib/billing/customers";
import { createPortalSessionUrl } from "@/lib/billing/sessions/portal";
import { billingReturnUrl } from "@/lib/billing/sessions/returns";
import { resolveCatalogPrices } from "@/lib/billing/catalog/prices";
import { syncStripeCustomer } from "@/lib/billing/sync/sync-customer";
import { withLease } from "@/lib/lease";
import { getStripe } from "@/lib/stripe";

/** What the customer picked besides the price: seats (per-seat plans) and the free trial. */
export type SubscriptionChoice = {
  /** As the form sent it; checked against the plan's seat range. */
  seats?: unknown;
  /** Start with the plan's free trial (first subscription only). */
  trial?: boolean;
};

/**
 * Where to send a user who picked a plan: a Checkout session when they have no live subscription,
 * otherwise the portal's confirm-this-plan flow, so nobody ever ends up with two subscriptions.
 * Stripe is asked, not only our records, because a webhook may not have arrived yet.
 */
export async function startSubscription(
  userId: string,
  lookupKey: string,
  choice: SubscriptionChoice = {},
): Promise<{ kind: "checkout" | "portal"; url: string }> {
  const entry = catalogEntryForLookupKey(lookupKey);
  if (!entry) throw new BillingActionError("unknown_plan");
  const seats = parseSeats(entry.plan, choice.seats);
  if (!seats.ok) throw new BillingActionError("invalid_seats", seats.message);
  if (choice.trial && !entry.plan.trial) throw new BillingActionError("trial_unavailable");
  await enforceBillingRateLimit(userId);

  let customer: string;
  let price: Stripe.Price | undefined;
  try {
    customer = await getOrCreateStripeCustomer(userId);
    price = (await resolveCatalogPrices()).byLookupKey.get(entry.price.lookupKey);
  } catch (error) {
    throw toBillingActionError(error, "checkout precheck");
  }
  if (!price) throw new BillingActionError("unknown_plan");
  const priceId = price.id;

  // Two tabs (or a double submit) must not leave two payable Checkouts, each making a
  // subscription. Under a per-user lease (a row, not a connection held across these Stripe
  // calls): earlier open sessions are expired first, so none can complete after the check; then
  // Stripe is asked whether a live subscription exists (a webhook may not have arrived yet).
  let outcome: { kind: "checkout"; url: string } | { kind: "portal" };
  try {
    outcome = await withLease(
      `checkout-create:${userId}`,
      async () => {
        await expireOpenCheckouts(customer);
        const history = await listCustomerSubscriptions(getStripe(), customer);
        if (history.some((s) => isLiveSubscriptionStatus(s.status))) {
          return { kind: "portal" as const };
        }
        const trial = choice.trial ? await trialFor(userId, entry.plan, history) : null;
        return {
          kind: "checkout" as const,
          url: await createCheckoutSession(userId, customer, {
            priceId,
            plan: entry.plan,
            seats: seats.seats,
            trial,
          }),
        };
      },
      CHECKOUT_LEASE,
    );
  } catch (error) {
    throw toBillingActionError(error, "checkout session");
  }
  if (outcome.kind === "checkout") return outcome;

  // Already subscribed: the plan switch is a portal deep link checked against our records, so
  // bring them up to date first, in case the subscription's webhooks have not arrived yet.
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

/**
 * The user's Checkout that is still open, to continue it ("Checkout isn't finished"): found in
 * Stripe for the user's own customer, never from an id in the browser. Under the same lease as
 * creation: if a live subscription exists meanwhile (made elsewhere), the open session is expired
 * instead of paid a second time.
 */
export async function openCheckoutUrl(userId: string): Promise<string> {
  await enforceBillingRateLimit(userId);
  const customer = await findStripeCustomerId(userId);
  if (!customer) throw new BillingActionError("checkout_not_open");
  try {
    return await withLease(
      `checkout-create:${userId}`,
      async () => {
        if (await hasLiveSubscription(customer)) {
          await expireOpenCheckouts(customer);
          throw new BillingActionError("already_subscribed");
        }
        const stripe = getStripe();
        const open = await stripe.checkout.sessions.list({ customer, status: "open", limit: 1 });
        const url = open.data[0]?.url;
        if (!url) throw new BillingActionError("checkout_not_open");
        return url;
      },
      CHECKOUT_LEASE,
    );
  } catch (error) {
    throw toBillingActionError(error, "continue checkout");
  }
}

// Longer than a Stripe call with the SDK's retries, so the lease outlives the work it guards.
const CHECKOUT_LEASE = { ttlMs: 120_000 } as const;

/**
 * The trial this user may start, judged on everything Stripe and our records know of their
 * subscriptions (our records keep one whose Stripe customer was since deleted). None left: the
 * action fails rather than silently charging someone who asked for a free trial.
 */
async function trialFor(
  userId: string,
  plan: Plan,
  stripeHistory: readonly Stripe.Subscription[],
): Promise<TrialTerms> {
  const ours = await loadSubscriptions(userId);
  const trial = trialOffer(plan, [...stripeHistory, ...ours]);
  if (!trial) throw new BillingActionError("trial_used");
  return trial;
}

async function hasLiveSubscription(customer: string): Promise<boolean> {
  const existing = await listCustomerSubscriptions(getStripe(), customer);
  return existing.some((s) => isLiveSubscriptionStatus(s.status));
}

/**
 * Expires the customer's open Checkouts. One that completes in the meantime can no longer be
 * expired (Stripe refuses): its subscription is then found by the check that follows.
 */
async function expireOpenCheckouts(customer: string): Promise<void> {
  const stripe = getStripe();
  const open = await stripe.checkout.sessions.list({ customer, status: "open", limit: 10 });
  for (const earlier of open.data) {
    try {
      await stripe.checkout.sessions.expire(earlier.id);
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) throw error;
    }
  }
}

type CheckoutTerms = { priceId: string; plan: Plan; seats: number; trial: TrialTerms | null };

/** Pure: the Checkout Session parameters for a catalog price and the customer's choices. */
export function checkoutSessionParams(
  userId: string,
  customer: string,
  { priceId, plan, seats, trial }: CheckoutTerms,
): Stripe.Checkout.SessionCreateParams {
  const range = seatLimits(plan);
  return {
    mode: "subscription",
    customer,
    client_reference_id: userId,
    line_items: [
      {
        price: priceId,
        quantity: seats,
        // Per-seat plans: the customer can still change the number of seats in Checkout.
        ...(plan.perSeat
          ? {
              adjustable_quantity: { enabled: true, minimum: range.min, maximum: range.max },
            }
          : {}),
      },
    ],
    ...(CHECKOUT_OPTIONS.allowPromotionCodes ? { allow_promotion_codes: true } : {}),
    // No card up front: Checkout asks for none while nothing is due.
    ...(trial && !trial.cardUpFront ? { payment_method_collection: "if_required" as const } : {}),
    // Stripe fills in {CHECKOUT_SESSION_ID}; the return route verifies it belongs to the user.
    success_url: billingReturnUrl("checkout", "{CHECKOUT_SESSION_ID}"),
    cancel_url: billingReturnUrl("checkout_canceled"),
    metadata: { userId },
    subscription_data: {
      metadata: { userId },
      ...(trial
        ? {
            trial_period_days: trial.days,
            trial_settings: { end_behavior: { missing_payment_method: trial.withoutCard } },
          }
        : {}),
    },
  };
}

async function createCheckoutSession(
  userId: string,
  customer: string,
  terms: CheckoutTerms,
): Promise<string> {
  const session = await getStripe().checkout.sessions.create(
    checkoutSessionParams(userId, customer, terms),
  );
  if (!session.url) throw new Error(`Checkout session ${session.id} has no URL.`);
  return session.url;
}
