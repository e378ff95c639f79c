// stripe:setup's planning: reads the mode's products, prices and portal, lists what would change.
import { formatMoneyPlain } from "@/lib/format";
import { listPricesByLookupKeys, listProducts } from "@/lib/billing/stripe/lists";
import Stripe from "stripe";
import {
  PLANS,
  type CatalogEntry,
  type CatalogPrice,
  type PaidPlanKey,
  type PlanKey,
} from "@/lib/billing/catalog/plans";
import {
  listTaggedPortalConfigurations,
  planQuantityRange,
  PORTAL_CONFIGURATION_TAG,
  type PortalConfigurationSpec,
} from "@/lib/billing/config/portal";
import {
  portalConfigurationDrift,
  type PlanSwitchProduct,
} from "@/lib/billing/config/portal-params";
import { assertMode } from "@/lib/billing/config/setup-refusal";
import { planWebhook } from "@/lib/billing/config/setup-webhook";
import { idOf } from "@/lib/billing/stripe/ids";
import type { StripeMode } from "@/lib/stripe";

export type SetupStep = { description: string };

type PlannedPrice =
  | { state: "ok"; price: Stripe.Price }
  | { state: "reactivate"; price: Stripe.Price }
  | { state: "create"; replaces: Stripe.Price | null };

export type Plan = {
  steps: SetupStep[];
  products: Map<PlanKey, Stripe.Product | null>;
  prices: Map<string, PlannedPrice>;
  knownPrices: Record<string, string>;
  portal: Stripe.BillingPortal.Configuration | null;
  webhook: Stripe.WebhookEndpoint | null;
  /** The app's own endpoint at the URL, at another API version: replaced by a new one. */
  webhookRecreate: Stripe.WebhookEndpoint | null;
};

export async function planSetup(
  stripe: Stripe,
  mode: StripeMode,
  catalog: readonly CatalogEntry[],
  spec: PortalConfigurationSpec,
  webhookUrl: string | undefined,
  log: (line: string) => void,
): Promise<Plan> {
  const steps: SetupStep[] = [];
  const [allProducts, keyed] = await Promise.all([
    listProducts(stripe),
    listPricesByLookupKeys(
      stripe,
      catalog.map((e) => e.price.lookupKey),
    ),
  ]);
  assertMode(mode, [...allProducts, ...keyed]);

  const products = new Map<PlanKey, Stripe.Product | null>();
  for (const planKey of new Set(catalog.map((e) => e.plan.key))) {
    const product = findPlanProduct(planKey, allProducts, keyed);
    products.set(planKey, product);
    const plan = PLANS[planKey];
    if (!product) {
      steps.push({ description: `create product "${plan.name}" (plan ${planKey})` });
      continue;
    }
    const fields = productDrift(product, planKey);
    if (fields.length) {
      steps.push({
        description: `update product ${product.id} (${planKey}): ${fields.join(", ")}`,
      });
    }
  }

  const prices = new Map<string, PlannedPrice>();
  const knownPrices: Record<string, string> = {};
  for (const entry of catalog) {
    const key = entry.price.lookupKey;
    const existing = keyed.find((p) => p.lookup_key === key) ?? null;
    const product = products.get(entry.plan.key) ?? null;
    if (existing && product && priceMatches(existing, entry.price, product.id)) {
      prices.set(key, { state: existing.active ? "ok" : "reactivate", price: existing });
      knownPrices[key] = existing.id;
      if (!existing.active) {
        steps.push({ description: `reactivate price ${existing.id} (${key})` });
      }
      continue;
    }
    prices.set(key, { state: "create", replaces: existing });
    steps.push({
      description:
        `create price ${key}: ${describeCatalogPrice(entry.price)}` +
        (existing
          ? ` (lookup key moves from ${existing.id}, ${describePrice(existing)}; that price is left as is)`
          : ""),
    });
  }

  const tagged = await listTaggedPortalConfigurations(stripe);
  assertMode(mode, tagged);
  const portal = tagged[0] ?? null;
  const planSwitch = planSwitchProducts(
    spec,
    catalog,
    (planKey) => products.get(planKey)?.id ?? "new product",
    (key) => knownPrices[key] ?? "new price",
  );
  if (!portal) {
    steps.push({ description: `create Customer Portal configuration (tag ${tagText()})` });
  } else {
    const drift = portalConfigurationDrift(portal, spec, planSwitch);
    if (drift.length) {
      steps.push({
        description: `update Customer Portal configuration ${portal.id}: ${drift.map((d) => d.message).join("; ")}`,
      });
    }
  }

  let webhook: Stripe.WebhookEndpoint | null = null;
  let webhookRecreate: Stripe.WebhookEndpoint | null = null;
  if (webhookUrl) {
    const planned = await planWebhook(stripe, mode, webhookUrl, log);
    steps.push(...planned.steps);
    ({ webhook, webhookRecreate } = planned);
  }

  return { steps, products, prices, knownPrices, portal, webhook, webhookRecreate };
}

/** The plan's product: the one holding its catalog prices, else the one tagged with the plan. */
function findPlanProduct(
  planKey: PlanKey,
  products: readonly Stripe.Product[],
  keyed: readonly Stripe.Price[],
): Stripe.Product | null {
  const lookupKeys = Object.values(PLANS[planKey].prices).map((p) => p.lookupKey);
  const holders = keyed
    .filter((p) => p.lookup_key && lookupKeys.includes(p.lookup_key))
    .map((p) => idOf(p.product));
  const byPrice = products.find(
    (p) => holders.includes(p.id) && (p.metadata.plan ?? planKey) === planKey,
  );
  if (byPrice) return byPrice;
  const tagged = products.filter((p) => p.metadata.plan === planKey);
  return tagged.find((p) => p.active) ?? tagged[0] ?? null;
}

export function productDrift(product: Stripe.Product, planKey: PlanKey): string[] {
  const plan = PLANS[planKey];
  const fields: string[] = [];
  if (!product.active) fields.push("reactivate");
  if (product.name !== plan.name) fields.push(`name → "${plan.name}"`);
  if ((product.description ?? "") !== plan.description) fields.push("description");
  if (product.metadata.plan !== planKey) fields.push(`metadata.plan → ${planKey}`);
  return fields;
}

/** A price serves a catalog entry only if everything that is billed matches. */
function priceMatches(price: Stripe.Price, want: CatalogPrice, product: string): boolean {
  return (
    idOf(price.product) === product &&
    price.type === "recurring" &&
    price.billing_scheme === "per_unit" &&
    price.unit_amount === want.unitAmount &&
    price.currency === want.currency &&
    price.recurring?.interval === want.interval &&
    price.recurring.interval_count === 1 &&
    price.recurring.usage_type === "licensed"
  );
}

export function planSwitchProducts(
  spec: PortalConfigurationSpec,
  catalog: readonly CatalogEntry[],
  productOf: (plan: PaidPlanKey) => string,
  priceOf: (lookupKey: string) => string,
): PlanSwitchProduct[] {
  return spec.features.subscriptionUpdate.plans.map((plan) => ({
    plan,
    product: productOf(plan),
    prices: catalog
      .filter((e) => e.plan.key === plan)
      .map((e) => ({ lookupKey: e.price.lookupKey, id: priceOf(e.price.lookupKey) })),
    quantity: planQuantityRange(plan),
  }));
}

function tagText(): string {
  return `metadata.${PORTAL_CONFIGURATION_TAG.key}=${PORTAL_CONFIGURATION_TAG.value}`;
}

function describeCatalogPrice(price: CatalogPrice): string {
  return `${formatMoneyPlain(price.unitAmount, price.currency)} / ${price.interval}`;
}

function describePrice(price: Stripe.Price): string {
  const every = price.recurring
    ? ` / ${price.recurring.interval_count > 1 ? `${price.recurring.interval_count} ` : ""}${price.recurring.interval}`
    : " once";
  return `${formatMoneyPlain(price.unit_amount ?? 0, price.currency)}${every}`;
}
