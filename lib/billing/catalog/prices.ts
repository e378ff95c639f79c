import { listPricesByLookupKeys } from "@/lib/billing/stripe/lists";
import type Stripe from "stripe";
import {
  catalogEntryForPrice,
  catalogLookupKeys,
  PLANS,
  type BillingInterval,
  type PaidPlanKey,
} from "@/lib/billing/catalog/plans";
import { getStripe, stripeMode, type StripeMode } from "@/lib/stripe";

/** A catalog price that the current Stripe mode does not have (or has set up differently). */
export class CatalogPriceMissingError extends Error {
  constructor(
    readonly lookupKey: string,
    readonly mode: StripeMode,
  ) {
    super(
      `No active Stripe price with lookup key "${lookupKey}" matches the catalog in ${mode} mode. ` +
        `Run npm run stripe:setup${mode === "live" ? " -- --live" : ""} to create it, or give a Dashboard price this lookup key.`,
    );
  }
}

export type ResolvedPrices = {
  /** Active Stripe prices that match the catalog, by lookup key. */
  byLookupKey: Map<string, Stripe.Price>;
  /** Catalog lookup keys with no matching active price in this mode. */
  missing: string[];
};

/** Pure: which of the listed prices serve the catalog, and which catalog keys have none. */
export function indexCatalogPrices(prices: readonly Stripe.Price[]): ResolvedPrices {
  const byLookupKey = new Map<string, Stripe.Price>();
  for (const price of prices) {
    if (!price.active || !price.lookup_key) continue;
    if (catalogEntryForPrice(price)) byLookupKey.set(price.lookup_key, price);
  }
  const missing = catalogLookupKeys().filter((key) => !byLookupKey.has(key));
  return { byLookupKey, missing };
}

const CACHE_MS = 5 * 60_000;
let cache: { mode: StripeMode; at: number; value: ResolvedPrices } | undefined;

/** The catalog's prices in the current mode, cached briefly (lookup keys rarely move). */
export async function resolveCatalogPrices(
  options: { fresh?: boolean } = {},
): Promise<ResolvedPrices> {
  const mode = stripeMode();
  if (!options.fresh && cache && cache.mode === mode && Date.now() - cache.at < CACHE_MS) {
    return cache.value;
  }
  const prices = await listPricesByLookupKeys(getStripe(), catalogLookupKeys(), { active: true });
  const value = indexCatalogPrices(prices);
  cache = { mode, at: Date.now(), value };
  return value;
}

/** The Stripe price id to sell `plan` billed every `interval`, in the current mode. */
export async function resolvePriceId(
  plan: PaidPlanKey,
  interval: BillingInterval,
): Promise<string> {
  const catalogPrice = PLANS[plan].prices[interval];
  if (!catalogPrice) throw new Error(`Plan "${plan}" is not sold per ${interval}.`);
  const { byLookupKey } = await resolveCatalogPrices();
  const price = byLookupKey.get(catalogPrice.lookupKey);
  if (!price) throw new CatalogPriceMissingError(catalogPrice.lookupKey, stripeMode());
  return price.id;
}

/** For tests and after seeding: forget the cached resolution. */
export function clearCatalogPriceCache(): void {
  cache = undefined;
}

/** What each catalog price costs in Stripe, by lookup key (what the plan cards show). */
export type PlanPrices = ReadonlyMap<string, { unitAmount: number; currency: string }>;

/**
 * The catalog prices' amounts as Stripe has them (a price changed in the Dashboard shows its new
 * amount), from the cached resolution; null when Stripe cannot be read right now.
 */
export async function loadPlanPrices(): Promise<PlanPrices | null> {
  try {
    const { byLookupKey } = await resolveCatalogPrices();
    const amounts = new Map<string, { unitAmount: number; currency: string }>();
    for (const [key, price] of byLookupKey) {
      if (price.unit_amount !== null) {
        amounts.set(key, { unitAmount: price.unit_amount, currency: price.currency });
      }
    }
    return amounts;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`[billing] could not read the catalog prices for the plan cards: ${reason}`);
    return null;
  }
}
