import { z } from "zod";
import {
  BILLING_INTERVALS,
  catalogEntryForLookupKey,
  type BillingInterval,
  type Plan,
  type TrialTerms,
} from "@/lib/billing/catalog/plans";
import {
  paidPlans,
  parseSeats,
  planFeatureLines,
  seatLimits,
  trialOffer,
} from "@/lib/billing/catalog/offers";
import { loadPlanPrices } from "@/lib/billing/catalog/prices";
import {
  isLiveSubscriptionStatus,
  pickCurrentSubscription,
} from "@/lib/billing/access/current-subscription";
import { loadSubscriptions } from "@/lib/billing/access/subscriptions";
import { billedAmountText } from "@/lib/billing/page/subscription-summary";

/**
 * The public pricing page's data and the "subscribe" confirmation's, from the catalog, the cached
 * Stripe prices (catalog/prices.ts: revalidated by price.* and product.* webhooks, never a Stripe
 * call per view) and, for a signed-in visitor, our own records.
 */

/** `?interval=year`; anything else is monthly (a toggle link, never an error page). */
export const pricingIntervalSchema = z.enum(BILLING_INTERVALS).catch("month");

/** What a card's button does for this visitor. */
export type PricingAction =
  /** Anonymous: sign in first, then confirm (the choice travels in the callback URL). */
  | "sign_in"
  /** Signed in, no live subscription: Checkout. */
  | "checkout"
  /** This is the visitor's plan. */
  | "current"
  /** Subscribed to another price: a switch in the Customer Portal, never a second Checkout. */
  | "switch";

export type PricingOffer = {
  plan: Plan;
  interval: BillingInterval;
  lookupKey: string;
  /** Stripe's amount per unit (per seat on Team); null while Stripe cannot be read. */
  amount: { unitAmount: number; currency: string } | null;
  features: string[];
  /** Per-seat plans: the range a visitor may pick from. */
  seats: { min: number; max: number } | null;
  /** The trial this visitor may start (anonymous: every first subscription gets it). */
  trial: TrialTerms | null;
  action: PricingAction;
};

export type PricingPage = {
  interval: BillingInterval;
  offers: PricingOffer[];
  signedIn: boolean;
  /** Stripe could not be read and nothing was cached: the amounts are missing. */
  pricesUnavailable: boolean;
};

export async function loadPricingPage(
  userId: string | null,
  interval: BillingInterval,
): Promise<PricingPage> {
  const [prices, subscriptions] = await Promise.all([
    loadPlanPrices(),
    userId ? loadSubscriptions(userId) : Promise.resolve([]),
  ]);
  const current = pickCurrentSubscription(
    subscriptions.filter((s) => isLiveSubscriptionStatus(s.status)),
  );
  const offers = paidPlans().flatMap((plan): PricingOffer[] => {
    const price = plan.prices[interval];
    if (!price) return [];
    const action: PricingAction = !userId
      ? "sign_in"
      : !current
        ? "checkout"
        : current.priceLookupKey === price.lookupKey
          ? "current"
          : "switch";
    return [
      {
        plan,
        interval,
        lookupKey: price.lookupKey,
        amount: prices?.get(price.lookupKey) ?? null,
        features: planFeatureLines(plan),
        seats: plan.perSeat ? seatLimits(plan) : null,
        trial: current ? null : trialOffer(plan, subscriptions),
        action,
      },
    ];
  });
  return { interval, offers, signedIn: userId !== null, pricesUnavailable: prices === null };
}

/** The path that confirms a choice after sign-in: `/settings/billing/subscribe?price=…`. */
export const SUBSCRIBE_CONFIRM_PATH = "/settings/billing/subscribe";

const subscribeQuerySchema = z.object({
  price: z.string().max(100),
  seats: z.string().max(10).optional(),
  trial: z.literal("1").optional(),
});

export type SubscribeRequest = {
  plan: Plan;
  lookupKey: string;
  interval: BillingInterval;
  seats: number;
  trial: boolean;
};

/**
 * A "subscribe to this price" choice from a query string (the pricing page's form, carried through
 * sign-in): a catalog price, seats within its plan's range, and whether the trial was asked for.
 */
export function parseSubscribeRequest(
  query: Record<string, string | string[] | undefined>,
): { ok: true; request: SubscribeRequest } | { ok: false; message: string } {
  const parsed = subscribeQuerySchema.safeParse(query);
  if (!parsed.success) return { ok: false, message: "The plan choice is incomplete." };
  const entry = catalogEntryForLookupKey(parsed.data.price);
  if (!entry) return { ok: false, message: "That plan isn't available." };
  const seats = parseSeats(entry.plan, parsed.data.seats);
  if (!seats.ok) return { ok: false, message: seats.message };
  return {
    ok: true,
    request: {
      plan: entry.plan,
      lookupKey: entry.price.lookupKey,
      interval: entry.price.interval,
      seats: seats.seats,
      trial: parsed.data.trial === "1" && entry.plan.trial !== null,
    },
  };
}

/** `/settings/billing/subscribe?price=team_yearly&seats=3`, from a parsed request only. */
export function subscribeConfirmationPath(request: SubscribeRequest): string {
  const query = new URLSearchParams({ price: request.lookupKey });
  if (request.plan.perSeat) query.set("seats", String(request.seats));
  if (request.trial) query.set("trial", "1");
  return `${SUBSCRIBE_CONFIRM_PATH}?${query}`;
}

export type SubscribeConfirmation = {
  request: SubscribeRequest;
  amount: { unitAmount: number; currency: string } | null;
  /** The trial asked for and still available; null when none was asked for. */
  trial: TrialTerms | null;
  /** A trial was asked for but the visitor has had a subscription (no second trial). */
  trialUsed: boolean;
  /** Already subscribed: the choice is a switch in the portal, not a Checkout. */
  subscribed: boolean;
};

/** What the confirmation page shows for a signed-in user's choice. */
export async function loadSubscribeConfirmation(
  userId: string,
  request: SubscribeRequest,
): Promise<SubscribeConfirmation> {
  const [prices, subscriptions] = await Promise.all([loadPlanPrices(), loadSubscriptions(userId)]);
  const trial = request.trial ? trialOffer(request.plan, subscriptions) : null;
  return {
    request,
    amount: prices?.get(request.lookupKey) ?? null,
    trial,
    trialUsed: request.trial && trial === null,
    subscribed: subscriptions.some((s) => isLiveSubscriptionStatus(s.status)),
  };
}

/** "$120.00 / year", "3 seats × $29.00 = $87.00 / month": what a choice costs each period. */
export function choiceAmountText(
  amount: { unitAmount: number; currency: string },
  plan: Plan,
  interval: BillingInterval,
  seats: number,
  locale?: string,
): string {
  const subtotal = amount.unitAmount * seats;
  return billedAmountText(
    {
      unitAmount: amount.unitAmount,
      quantity: seats,
      currency: amount.currency,
      interval,
      perSeat: plan.perSeat,
      subtotal,
      total: subtotal,
      discounts: [],
      plusTax: false,
    },
    locale,
  );
}
