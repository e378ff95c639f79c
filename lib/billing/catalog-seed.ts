import { catalogEntryForLookupKey, type PlanKey } from "@/lib/billing/catalog";
import { clearCatalogPriceCache, resolveCatalogPrices } from "@/lib/billing/prices";
import { getStripe, stripeMode } from "@/lib/stripe";

/**
 * Creates the catalog's products and prices where the current mode lacks them: for the emulator
 * and Stripe test mode only. Live prices are created deliberately in the Dashboard, with the same
 * lookup keys. Idempotent: an existing matching price is left alone.
 */
export async function ensureCatalogInStripe(): Promise<{ created: string[] }> {
  if (stripeMode() === "live") {
    throw new Error(
      "Refusing to create catalog prices in live mode; create them in the Dashboard.",
    );
  }
  const stripe = getStripe();
  const { missing } = await resolveCatalogPrices({ fresh: true });
  if (missing.length === 0) return { created: [] };

  const products = await stripe.products.list({ active: true, limit: 100 });
  const productByPlan = new Map<PlanKey, string>();
  for (const product of products.data) {
    const plan = product.metadata.plan;
    if (plan === "pro" || plan === "team" || plan === "free") productByPlan.set(plan, product.id);
  }

  const created: string[] = [];
  for (const lookupKey of missing) {
    const entry = catalogEntryForLookupKey(lookupKey);
    if (!entry) continue;
    let productId = productByPlan.get(entry.plan.key);
    if (!productId) {
      const product = await stripe.products.create({
        name: entry.plan.name,
        description: entry.plan.description,
        metadata: { plan: entry.plan.key },
      });
      productId = product.id;
      productByPlan.set(entry.plan.key, productId);
    }
    const price = await stripe.prices.create({
      product: productId,
      currency: entry.price.currency,
      unit_amount: entry.price.unitAmount,
      recurring: { interval: entry.price.interval, interval_count: 1 },
      lookup_key: lookupKey,
      // A price set up differently from the catalog may hold the key: the catalog wins.
      transfer_lookup_key: true,
      metadata: { plan: entry.plan.key },
    });
    created.push(price.id);
  }
  clearCatalogPriceCache();
  return { created };
}
