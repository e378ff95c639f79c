import { formatMoneyPlain } from "@/lib/format";
import {
  listPricesByLookupKeys,
  listProducts,
  listWebhookEndpoints,
} from "@/lib/billing/stripe/lists";
import Stripe from "stripe";
import {
  catalogPrices,
  PLANS,
  type CatalogEntry,
  type CatalogPrice,
  type PaidPlanKey,
  type PlanKey,
} from "@/lib/billing/catalog/plans";
import { clearCatalogPriceCache } from "@/lib/billing/catalog/prices";
import {
  clearPortalConfigurationCache,
  listTaggedPortalConfigurations,
  planQuantityAdjustable,
  PORTAL_CONFIGURATION,
  PORTAL_CONFIGURATION_TAG,
  type PortalConfigurationSpec,
} from "@/lib/billing/config/portal";
import {
  portalConfigurationDrift,
  portalConfigurationParams,
  type PlanSwitchProduct,
} from "@/lib/billing/config/portal-params";
import { idOf } from "@/lib/billing/stripe/ids";
import { HANDLED_EVENT_TYPES } from "@/lib/billing/sync/receive";
import { getStripe, stripeMode, type StripeMode } from "@/lib/stripe";

/**
 * `npm run stripe:setup`: makes the key's mode (test, sandbox, emulator or live) match the code —
 * catalog products and prices (found by lookup key), the tagged Customer Portal configuration and,
 * optionally, the webhook endpoint. It first plans by reading only, then applies the plan; a second
 * run plans nothing. Prices are never edited: a changed amount is a new price that takes the lookup
 * key over, so existing subscribers keep the price they signed up for.
 */

export type StripeSetupOptions = {
  /** Defaults to the app's client (`getStripe()`) and its key's mode. */
  stripe?: Stripe;
  mode?: StripeMode;
  /** The `--live` flag: required with a live key, refused with a test key. */
  live?: boolean;
  /** Apply live-mode changes without asking. */
  yes?: boolean;
  /** Asked in live mode (unless `yes`) with the planned changes; false cancels. */
  confirm?: (changes: string[]) => Promise<boolean>;
  /** Print the plan, change nothing. */
  dryRun?: boolean;
  /** Create or update the webhook endpoint at this URL with the handled event types. */
  webhookUrl?: string;
  spec?: PortalConfigurationSpec;
  /** The catalog prices to sell (tests pass a modified catalog). */
  catalog?: readonly CatalogEntry[];
  log?: (line: string) => void;
};

export type StripeSetupResult = {
  mode: StripeMode;
  /** What was changed (or, when not applied, what would change), one line each. */
  changes: string[];
  applied: boolean;
  portalConfigurationId: string | null;
  /** Catalog price ids of this mode by lookup key (new ones only when applied). */
  prices: Record<string, string>;
  webhookEndpointId: string | null;
  /** Only when the endpoint was created now: Stripe never returns it again. */
  webhookSecret: string | null;
};

/** Setup refused to run (mode and flags disagree, or live changes were not confirmed). */
export class StripeSetupRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StripeSetupRefusedError";
  }
}

export async function runStripeSetup(options: StripeSetupOptions = {}): Promise<StripeSetupResult> {
  const stripe = options.stripe ?? getStripe();
  const mode = options.mode ?? stripeMode();
  const log = options.log ?? (() => undefined);
  checkModeFlags(mode, options.live ?? false);

  const catalog = options.catalog ?? catalogPrices();
  const spec = options.spec ?? PORTAL_CONFIGURATION;
  const plan = await planSetup(stripe, mode, catalog, spec, options.webhookUrl, log);
  const changes = plan.steps.map((s) => s.description);
  const empty = (applied: boolean): StripeSetupResult => ({
    mode,
    changes,
    applied,
    portalConfigurationId: plan.portal?.id ?? null,
    prices: plan.knownPrices,
    webhookEndpointId: plan.webhook?.id ?? null,
    webhookSecret: null,
  });

  if (changes.length === 0) {
    log(`Nothing to change: ${mode} mode already matches the catalog and portal configuration.`);
    return empty(false);
  }
  log(`Planned changes in ${mode} mode:`);
  for (const line of changes) log(`  + ${line}`);
  if (options.dryRun) {
    log("Dry run: nothing was changed.");
    return empty(false);
  }
  if (mode === "live" && !options.yes) {
    const confirmed = options.confirm ? await options.confirm(changes) : false;
    if (!confirmed) {
      throw new StripeSetupRefusedError(
        "Live-mode changes were not confirmed; nothing was changed (pass --yes to skip the question).",
      );
    }
  }

  const result = await applySetup(stripe, mode, catalog, spec, plan, options.webhookUrl, log);
  clearCatalogPriceCache();
  clearPortalConfigurationCache();
  log(`Applied ${changes.length} change${changes.length === 1 ? "" : "s"} in ${mode} mode.`);
  return { ...result, mode, changes, applied: true };
}

/** A live key needs `--live`; a test key with `--live` is a mistake in the other direction. */
export function checkModeFlags(mode: StripeMode, live: boolean): void {
  if (mode === "live" && !live) {
    throw new StripeSetupRefusedError(
      "STRIPE_SECRET_KEY is a live-mode key: pass --live to change live mode (nothing was changed).",
    );
  }
  if (mode === "test" && live) {
    throw new StripeSetupRefusedError(
      "--live was given but STRIPE_SECRET_KEY is a test-mode key: use the live key (nothing was changed).",
    );
  }
}

// ---- Planning (reads only) ----

type Step = { description: string };

type PlannedPrice =
  | { state: "ok"; price: Stripe.Price }
  | { state: "reactivate"; price: Stripe.Price }
  | { state: "create"; replaces: Stripe.Price | null };

type Plan = {
  steps: Step[];
  products: Map<PlanKey, Stripe.Product | null>;
  prices: Map<string, PlannedPrice>;
  knownPrices: Record<string, string>;
  portal: Stripe.BillingPortal.Configuration | null;
  webhook: Stripe.WebhookEndpoint | null;
  /** The app's own endpoint at the URL, at another API version: replaced by a new one. */
  webhookRecreate: Stripe.WebhookEndpoint | null;
};

async function planSetup(
  stripe: Stripe,
  mode: StripeMode,
  catalog: readonly CatalogEntry[],
  spec: PortalConfigurationSpec,
  webhookUrl: string | undefined,
  log: (line: string) => void,
): Promise<Plan> {
  const steps: Step[] = [];
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
    const endpoints = await listWebhookEndpoints(stripe);
    assertMode(mode, endpoints);
    webhook = endpointAt(endpoints, webhookUrl);
    for (const leftover of leftoverEndpoints(endpoints, webhookUrl))
      log(leftoverReminder(leftover));
    if (webhook && webhook.api_version !== Stripe.API_VERSION) {
      // Stripe cannot change an endpoint's api_version: only a new endpoint gets the SDK's.
      if (!isOwnEndpoint(webhook)) throw versionRefusal(webhook);
      steps.push({
        description: `recreate webhook endpoint ${webhook.id}: api_version is ${webhook.api_version ?? "account default"}, not the SDK's ${Stripe.API_VERSION} (Stripe cannot change it; the new endpoint has a new signing secret)`,
      });
      webhookRecreate = webhook;
    } else if (!webhook) {
      steps.push({
        description: `create webhook endpoint ${webhookUrl} at API version ${Stripe.API_VERSION} (${HANDLED_EVENT_TYPES.length} event types)`,
      });
    } else {
      const drift = webhookDrift(webhook);
      if (drift.length) {
        steps.push({ description: `update webhook endpoint ${webhook.id}: ${drift.join("; ")}` });
      }
    }
  }

  return { steps, products, prices, knownPrices, portal, webhook, webhookRecreate };
}

/** Endpoints this app created carry its tag; only those may be deleted and recreated. */
/** The app's endpoint at `url`: the one at the SDK's API version when there are several. */
export function endpointAt(
  endpoints: readonly Stripe.WebhookEndpoint[],
  url: string,
): Stripe.WebhookEndpoint | null {
  const atUrl = endpoints.filter((e) => e.url === url);
  return atUrl.find((e) => e.api_version === Stripe.API_VERSION) ?? atUrl[0] ?? null;
}

/** This app's own endpoints at `url` left at another version beside a pinned one (see below). */
function leftoverEndpoints(
  endpoints: readonly Stripe.WebhookEndpoint[],
  url: string,
): Stripe.WebhookEndpoint[] {
  if (endpointAt(endpoints, url)?.api_version !== Stripe.API_VERSION) return [];
  return endpoints.filter(
    (e) => e.url === url && e.api_version !== Stripe.API_VERSION && isOwnEndpoint(e),
  );
}

function leftoverReminder(endpoint: Stripe.WebhookEndpoint): string {
  return `Old webhook endpoint ${endpoint.id} (api_version ${endpoint.api_version ?? "account default"}) still delivers: delete ${endpoint.id} once STRIPE_WEBHOOK_SECRET is the new endpoint's secret and deployed (Dashboard → Developers → Webhooks).`;
}

function isOwnEndpoint(endpoint: Stripe.WebhookEndpoint): boolean {
  return endpoint.metadata?.[PORTAL_CONFIGURATION_TAG.key] === PORTAL_CONFIGURATION_TAG.value;
}

function versionRefusal(endpoint: Stripe.WebhookEndpoint): StripeSetupRefusedError {
  return new StripeSetupRefusedError(
    `Webhook endpoint ${endpoint.id} (${endpoint.url}) has api_version ${endpoint.api_version ?? "account default"}, not the SDK's ${Stripe.API_VERSION}, and an endpoint's api_version cannot be changed: delete it in the Dashboard (Developers → Webhooks) and run again (nothing was changed).`,
  );
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

function productDrift(product: Stripe.Product, planKey: PlanKey): string[] {
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
    adjustableQuantity: planQuantityAdjustable(plan),
  }));
}

function webhookDrift(endpoint: Stripe.WebhookEndpoint): string[] {
  const drift: string[] = [];
  if (endpoint.status !== "enabled") drift.push("enable it");
  const want: readonly string[] = HANDLED_EVENT_TYPES;
  const missing = want.filter((t) => !endpoint.enabled_events.includes(t));
  const extra = endpoint.enabled_events.filter((t) => !want.includes(t));
  if (missing.length) drift.push(`subscribe to ${missing.join(", ")}`);
  if (extra.length) drift.push(`unsubscribe from ${extra.join(", ")}`);
  return drift;
}

// ---- Applying ----

async function applySetup(
  stripe: Stripe,
  mode: StripeMode,
  catalog: readonly CatalogEntry[],
  spec: PortalConfigurationSpec,
  plan: Plan,
  webhookUrl: string | undefined,
  log: (line: string) => void,
): Promise<Omit<StripeSetupResult, "mode" | "changes" | "applied">> {
  const productIds = new Map<PlanKey, string>();
  for (const [planKey, existing] of plan.products) {
    const p = PLANS[planKey];
    const fields = { name: p.name, description: p.description, metadata: { plan: planKey } };
    if (!existing) {
      const created = await stripe.products.create(fields);
      assertMode(mode, [created]);
      productIds.set(planKey, created.id);
    } else {
      if (productDrift(existing, planKey).length) {
        await stripe.products.update(existing.id, { ...fields, active: true });
      }
      productIds.set(planKey, existing.id);
    }
  }

  const prices: Record<string, string> = {};
  for (const entry of catalog) {
    const key = entry.price.lookupKey;
    const planned = plan.prices.get(key);
    if (planned && planned.state !== "create") {
      if (planned.state === "reactivate")
        await stripe.prices.update(planned.price.id, { active: true });
      prices[key] = planned.price.id;
      continue;
    }
    const product = productIds.get(entry.plan.key);
    if (!product) throw new Error(`No product for plan ${entry.plan.key}.`);
    const created = await stripe.prices.create({
      product,
      currency: entry.price.currency,
      unit_amount: entry.price.unitAmount,
      recurring: { interval: entry.price.interval, interval_count: 1 },
      lookup_key: key,
      // The catalog wins: the lookup key moves here from whichever price held it.
      transfer_lookup_key: true,
      metadata: { plan: entry.plan.key },
    });
    assertMode(mode, [created]);
    prices[key] = created.id;
  }

  // With the real ids known, compare again: only a configuration that still differs is written.
  const planSwitch = planSwitchProducts(
    spec,
    catalog,
    (planKey) => productIds.get(planKey) ?? "",
    (key) => prices[key] ?? "",
  );
  const params = portalConfigurationParams(spec, planSwitch);
  let portalConfigurationId: string;
  if (!plan.portal) {
    const created = await portalRefusalExplained(
      stripe.billingPortal.configurations.create(params),
    );
    assertMode(mode, [created]);
    portalConfigurationId = created.id;
  } else {
    portalConfigurationId = plan.portal.id;
    if (portalConfigurationDrift(plan.portal, spec, planSwitch).length) {
      await portalRefusalExplained(
        stripe.billingPortal.configurations.update(plan.portal.id, { ...params, active: true }),
      );
    }
  }

  let webhookEndpointId: string | null = null;
  let webhookSecret: string | null = null;
  if (webhookUrl) {
    const events = [...HANDLED_EVENT_TYPES];
    if (!plan.webhook || plan.webhookRecreate) {
      const created = await stripe.webhookEndpoints.create({
        url: webhookUrl,
        enabled_events: events,
        // Events rendered at the version the SDK's types describe, not the account default.
        api_version: Stripe.API_VERSION,
        description: "billing-done-right: subscription, customer, payment method and invoice sync",
        metadata: { [PORTAL_CONFIGURATION_TAG.key]: PORTAL_CONFIGURATION_TAG.value },
      });
      assertMode(mode, [created]);
      webhookEndpointId = created.id;
      webhookSecret = created.secret ?? null;
      // The old endpoint stays: the deployed app verifies with its secret until the new one is
      // set, so deleting it now would refuse every delivery in between. Duplicates are fine.
      if (plan.webhookRecreate) log(leftoverReminder(plan.webhookRecreate));
    } else {
      webhookEndpointId = plan.webhook.id;
      if (webhookDrift(plan.webhook).length) {
        await stripe.webhookEndpoints.update(plan.webhook.id, {
          enabled_events: events,
          disabled: false,
        });
      }
    }
  }

  return { portalConfigurationId, prices, webhookEndpointId, webhookSecret };
}

// ---- Helpers ----

/** A configuration Stripe refuses (one of its rules) stops setup with Stripe's reason, in one line. */
async function portalRefusalExplained<T>(request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError) {
      throw new StripeSetupRefusedError(
        `Stripe refused the Customer Portal configuration: ${error.message}${error.param ? ` (${error.param})` : ""} Change PORTAL_CONFIGURATION in lib/billing/config/portal.ts and run again (the catalog changes already made stay).`,
      );
    }
    throw error;
  }
}

/** Objects from the other mode mean the key and the API disagree: stop before writing anything. */
function assertMode(mode: StripeMode, objects: readonly { id: string; livemode: boolean }[]): void {
  const other = objects.find((o) => o.livemode !== (mode === "live"));
  if (other) {
    throw new StripeSetupRefusedError(
      `Stripe returned ${other.id} from ${other.livemode ? "live" : "test"} mode while the key is ${mode} mode; nothing more was changed.`,
    );
  }
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
