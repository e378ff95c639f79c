import type Stripe from "stripe";

/**
 * The plans the product sells. Prices are identified by Stripe lookup keys, never by `price_...`
 * ids, so the same code works in test mode, live mode and the local emulator: each mode has its
 * own prices carrying these keys (`npm run stripe:setup` creates them, see docs/go-live.md).
 */

export const BILLING_INTERVALS = ["month", "year"] as const;
export type BillingInterval = (typeof BILLING_INTERVALS)[number];

export const PLAN_KEYS = ["free", "pro", "team"] as const;
export type PlanKey = (typeof PLAN_KEYS)[number];
export type PaidPlanKey = Exclude<PlanKey, "free">;

// Only what the template really has: founders add their own features here, and the plan cards,
// entitlements and the portal's product list all follow (one source of truth).
export const FEATURES = ["api_access"] as const;
export type Feature = (typeof FEATURES)[number];

/** How each feature is named on the plan cards. */
export const FEATURE_LABELS: Readonly<Record<Feature, string>> = {
  api_access: "API access (/api/v1)",
};

export type PlanLimits = {
  /** Active API keys (lib/api-keys.ts); a per-seat plan multiplies it by the quantity. */
  apiKeys: number;
};

export type CatalogPrice = {
  lookupKey: string;
  interval: BillingInterval;
  /** Only used to create the price in test mode / the emulator; live prices are made in Stripe. */
  unitAmount: number;
  currency: "usd";
};

/** How many seats a per-seat plan may have: Checkout and the portal keep the quantity within. */
export type SeatLimits = { min: number; max: number };

/**
 * A free trial of a plan, offered on a customer's first subscription only (trials.ts). Stripe
 * runs it: Checkout's `trial_period_days`, `payment_method_collection` and the trial's
 * `end_behavior`.
 */
export type TrialTerms = {
  days: number;
  /** Ask for a card up front; without one, Checkout collects none ("if_required"). */
  cardUpFront: boolean;
  /**
   * What Stripe does when the trial ends with no card on file: `cancel` ends the subscription
   * (the customer is back on Free), `pause` pauses it until a card is added, `create_invoice`
   * bills anyway and the unpaid invoice follows the past-due rules.
   */
  withoutCard: "cancel" | "pause" | "create_invoice";
};

export type Plan = {
  key: PlanKey;
  name: string;
  description: string;
  features: readonly Feature[];
  limits: PlanLimits;
  /** Priced per seat: limits scale with the subscription quantity. */
  perSeat: boolean;
  /** Per-seat plans only: the seat range Checkout asks within and the portal allows. */
  seats: SeatLimits | null;
  /** A free trial for first-time subscribers, or null. */
  trial: TrialTerms | null;
  prices: Partial<Record<BillingInterval, CatalogPrice>>;
};

/** Checkout settings that apply to every plan. */
export const CHECKOUT_OPTIONS = {
  /** Checkout shows a "promotion code" field (codes are made in the Dashboard or stripe:setup). */
  allowPromotionCodes: true,
} as const;

export const PLANS: Readonly<Record<PlanKey, Plan>> = {
  free: {
    key: "free",
    name: "Free",
    description: "For trying things out.",
    features: [],
    limits: { apiKeys: 0 },
    perSeat: false,
    seats: null,
    trial: null,
    prices: {},
  },
  pro: {
    key: "pro",
    name: "Pro",
    description: "For professionals shipping real work.",
    features: ["api_access"],
    limits: { apiKeys: 5 },
    perSeat: false,
    seats: null,
    // No card needed to try Pro; without one by the end, the trial simply ends (back to Free).
    trial: { days: 14, cardUpFront: false, withoutCard: "cancel" },
    prices: {
      month: { lookupKey: "pro_monthly", interval: "month", unitAmount: 1_200, currency: "usd" },
      year: { lookupKey: "pro_yearly", interval: "year", unitAmount: 12_000, currency: "usd" },
    },
  },
  team: {
    key: "team",
    name: "Team",
    description: "For teams that collaborate.",
    features: ["api_access"],
    limits: { apiKeys: 10 },
    perSeat: true,
    seats: { min: 1, max: 50 },
    trial: null,
    prices: {
      month: { lookupKey: "team_monthly", interval: "month", unitAmount: 2_900, currency: "usd" },
      year: { lookupKey: "team_yearly", interval: "year", unitAmount: 29_000, currency: "usd" },
    },
  },
};

export type CatalogEntry = { plan: Plan; price: CatalogPrice };

/** Every sellable price of the catalog, in display order. */
export function catalogPrices(): CatalogEntry[] {
  return PLAN_KEYS.flatMap((key) => {
    const plan = PLANS[key];
    return BILLING_INTERVALS.flatMap((interval) => {
      const price = plan.prices[interval];
      return price ? [{ plan, price }] : [];
    });
  });
}

export function catalogLookupKeys(): string[] {
  return catalogPrices().map((entry) => entry.price.lookupKey);
}

export function isPlanKey(value: string): value is PlanKey {
  return (PLAN_KEYS as readonly string[]).includes(value);
}

export function catalogEntryForLookupKey(
  lookupKey: string | null | undefined,
): CatalogEntry | null {
  if (!lookupKey) return null;
  return catalogPrices().find((entry) => entry.price.lookupKey === lookupKey) ?? null;
}

/**
 * The catalog entry a Stripe price stands for, or null when it is not in the catalog. A lookup key
 * alone is not enough: a recurring interval or currency that disagrees with the catalog means the
 * price was set up differently from what the code sells, so it is not mapped to a plan.
 *
 * A catalog price that lost its lookup key to a newer one (an amount change moves the key; existing
 * subscribers keep their old price) still counts, through the `metadata.plan` tag the catalog
 * setup puts on every price it creates. An untagged price without a catalog key never does.
 */
export function catalogEntryForPrice(
  price:
    Pick<Stripe.Price, "lookup_key" | "recurring" | "currency" | "metadata"> | null | undefined,
): CatalogEntry | null {
  if (!price) return null;
  const entry = price.lookup_key
    ? catalogEntryForLookupKey(price.lookup_key)
    : grandfatheredEntry(price.metadata?.plan, price.recurring?.interval);
  if (!entry) return null;
  if (price.recurring?.interval !== entry.price.interval) return null;
  if (price.recurring.interval_count !== 1) return null;
  if (price.currency !== entry.price.currency) return null;
  return entry;
}

function grandfatheredEntry(
  plan: string | undefined,
  interval: string | undefined,
): CatalogEntry | null {
  if (!plan || !isPlanKey(plan)) return null;
  const price = BILLING_INTERVALS.map((i) => PLANS[plan].prices[i]).find(
    (p) => p?.interval === interval,
  );
  return price ? { plan: PLANS[plan], price } : null;
}
