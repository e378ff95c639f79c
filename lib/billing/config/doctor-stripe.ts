// The doctor's Stripe checks: the key, catalog prices, portal configuration and webhook endpoint.
import { listPricesByLookupKeys, listWebhookEndpoints } from "@/lib/billing/stripe/lists";
import Stripe from "stripe";
import type { CatalogEntry, PaidPlanKey } from "@/lib/billing/catalog/plans";
import {
  lookUpPortalConfigurationId,
  PortalNotConfiguredError,
  type PortalConfigurationSpec,
} from "@/lib/billing/config/portal";
import {
  portalConfigurationDrift,
  type Drift,
  type DriftArea,
} from "@/lib/billing/config/portal-params";
import type { DoctorCheck } from "@/lib/billing/config/doctor-report";
import { planSwitchProducts } from "@/lib/billing/config/setup-plan";
import { endpointAt } from "@/lib/billing/config/setup-webhook";
import { formatMoneyPlain } from "@/lib/format";
import { idOf } from "@/lib/billing/stripe/ids";
import { WEBHOOK_EVENT_TYPES } from "@/lib/billing/sync/receive";
import { stripeApiBase } from "@/lib/billing/stripe/availability";
import type { StripeMode } from "@/lib/stripe";

/**
 * The key check: one cheap read that every billing key needs (prices), so a key Stripe refuses
 * fails here with Stripe's own message, never "PASS" followed by failures further down.
 * `skipReason` is set when the other Stripe checks cannot run.
 */
export async function checkStripeKey(
  stripe: Stripe,
  label: string,
): Promise<{ check: DoctorCheck; skipReason?: string }> {
  const name = "Stripe key";
  try {
    await stripe.prices.list({ limit: 1 });
    return { check: { name, status: "pass", detail: `${label}, accepted by Stripe` } };
  } catch (error) {
    const type = (error as { type?: unknown } | null)?.type;
    const message = error instanceof Error ? error.message : String(error);
    const failed = (detail: string, skipReason: string) => ({
      check: { name, status: "fail" as const, detail },
      skipReason,
    });
    if (type === "StripeAuthenticationError") {
      return failed(
        `${label}: Stripe refused the key: ${message}\n` +
          "Copy the secret key (sk_test_… or sk_live_…) from the Dashboard's API keys page into STRIPE_SECRET_KEY.",
        "Stripe refused the key",
      );
    }
    if (type === "StripePermissionError") {
      return failed(
        `${label}: the key may not read prices: ${message}\n` +
          "Give the restricted key access to the billing resources (prices, products, customers, " +
          "subscriptions, invoices, Customer Portal, webhook endpoints), or use the secret key.",
        "the key lacks permissions",
      );
    }
    if (type === "StripeConnectionError") {
      return failed(
        `could not reach Stripe at ${stripeApiBase(stripe)}: ${message}`,
        "Stripe could not be reached",
      );
    }
    return failed(`${label}: Stripe request failed: ${message}`, "the key check failed");
  }
}

export type CheckRecorders = Record<
  "pass" | "fail" | "skip",
  (name: string, detail: string) => void
>;

export async function stripeDoctor(
  stripe: Stripe,
  mode: StripeMode,
  appUrl: string,
  spec: PortalConfigurationSpec,
  catalog: readonly CatalogEntry[],
  overrideId: string | undefined,
  { pass, fail, skip }: CheckRecorders,
): Promise<void> {
  const live = mode === "live";

  // Catalog prices first: plan switching is compared against them.
  const keyed = await listPricesByLookupKeys(
    stripe,
    catalog.map((e) => e.price.lookupKey),
    { expand: ["data.product"] },
  );
  const priceProblems: string[] = [];
  for (const { plan, price: want } of catalog) {
    const price = keyed.find((p) => p.lookup_key === want.lookupKey);
    if (!price) {
      priceProblems.push(`${want.lookupKey}: no price with this lookup key in ${mode} mode`);
      continue;
    }
    const label = `${want.lookupKey} (${price.id})`;
    if (!price.active) priceProblems.push(`${label} is inactive`);
    if (price.currency !== want.currency) {
      priceProblems.push(`${label} is in ${price.currency}, expected ${want.currency}`);
    }
    const interval = price.recurring
      ? `${price.recurring.interval_count === 1 ? "" : `${price.recurring.interval_count} `}${price.recurring.interval}`
      : "one-time";
    if (interval !== want.interval) {
      priceProblems.push(`${label} bills per ${interval}, expected per ${want.interval}`);
    }
    if (price.unit_amount !== want.unitAmount) {
      priceProblems.push(
        `${label} is ${formatMoneyPlain(price.unit_amount ?? 0, price.currency)}, catalog says ${formatMoneyPlain(want.unitAmount, want.currency)}`,
      );
    }
    const product = typeof price.product === "string" ? null : price.product;
    if (product && (product.deleted || !product.active)) {
      priceProblems.push(`${label}: its product ${product.id} (${plan.name}) is archived`);
    }
  }

  let configuration: Stripe.BillingPortal.Configuration | null = null;
  try {
    const id = await lookUpPortalConfigurationId(stripe, mode, overrideId);
    configuration = await stripe.billingPortal.configurations.retrieve(id);
    pass(
      "Portal configuration",
      `${configuration.id}, active, ${mode} mode` +
        (overrideId ? " (STRIPE_PORTAL_CONFIGURATION_ID)" : " (found by its metadata tag)"),
    );
  } catch (error) {
    if (!(error instanceof PortalNotConfiguredError)) throw error;
    fail("Portal configuration", error.message);
  }

  if (!configuration) {
    for (const name of ["Portal features", "Plan switching"]) skip(name, "no portal configuration");
  } else {
    const planSwitch = planSwitchProducts(
      spec,
      catalog,
      (plan: PaidPlanKey) => productOfPlan(plan, catalog, keyed) ?? `(no ${plan} product)`,
      (key) => keyed.find((p) => p.lookup_key === key)?.id ?? `(no ${key} price)`,
    );
    const drift = portalConfigurationDrift(configuration, spec, planSwitch);
    const of = (area: DriftArea): Drift[] => drift.filter((d) => d.area === area);
    const features = of("features");
    if (features.length) fail("Portal features", lines(features));
    else pass("Portal features", describeFeatures(spec));
    const planSwitching = of("plan_switch");
    if (!spec.features.subscriptionUpdate.enabled) pass("Plan switching", "not offered");
    else if (planSwitching.length) fail("Plan switching", lines(planSwitching));
    else {
      const count = planSwitch.reduce((n, p) => n + p.prices.length, 0);
      pass(
        "Plan switching",
        `${planSwitch.map((p) => p.plan).join(", ")}: ${count} prices, equal to the catalog`,
      );
    }
  }

  if (priceProblems.length) fail("Catalog prices", priceProblems.join("\n"));
  else
    pass(
      "Catalog prices",
      `${catalog.length} prices: ${catalog.map((e) => e.price.lookupKey).join(", ")}`,
    );

  if (!configuration) {
    for (const name of ["Return URL", "Business profile"]) skip(name, "no portal configuration");
  } else {
    const returnUrl = configuration.default_return_url;
    const returnProblems = urlProblems(
      "default_return_url",
      returnUrl,
      spec.defaultReturnUrl,
      live,
    );
    if (returnProblems.length) fail("Return URL", returnProblems.join("\n"));
    else pass("Return URL", returnUrl ?? "");

    const bp = configuration.business_profile;
    const profileProblems = [
      ...urlProblems(
        "privacy_policy_url",
        bp.privacy_policy_url,
        spec.businessProfile.privacyPolicyUrl,
        live,
      ),
      ...urlProblems(
        "terms_of_service_url",
        bp.terms_of_service_url,
        spec.businessProfile.termsOfServiceUrl,
        live,
      ),
    ];
    if (bp.headline !== spec.businessProfile.headline) {
      profileProblems.push(
        `headline is ${JSON.stringify(bp.headline)}, expected ${JSON.stringify(spec.businessProfile.headline)}`,
      );
    }
    if (profileProblems.length) fail("Business profile", profileProblems.join("\n"));
    else
      pass(
        "Business profile",
        `privacy ${bp.privacy_policy_url}, terms ${bp.terms_of_service_url}`,
      );
  }

  const webhookUrl = `${appUrl}/api/webhooks/stripe`;
  const endpoints = await listWebhookEndpoints(stripe);
  const endpoint = endpointAt(endpoints, webhookUrl);
  if (!endpoint) {
    fail(
      "Webhook endpoint",
      `no endpoint for ${webhookUrl} in ${mode} mode: run npm run stripe:setup -- ${live ? "--live " : ""}--webhook-url ${webhookUrl}`,
    );
  } else {
    const problems: string[] = [];
    if (endpoint.status !== "enabled") problems.push(`${endpoint.id} is ${endpoint.status}`);
    const all = endpoint.enabled_events.includes("*");
    const missing = all
      ? []
      : WEBHOOK_EVENT_TYPES.filter((t) => !endpoint.enabled_events.includes(t));
    if (missing.length) problems.push(`${endpoint.id} does not subscribe to ${missing.join(", ")}`);
    // Events are rendered at the endpoint's version (else the account default), not the SDK's.
    if (endpoint.api_version !== Stripe.API_VERSION) {
      problems.push(
        `${endpoint.id} has api_version ${endpoint.api_version ?? "account default"}, not the SDK's ${Stripe.API_VERSION}: ` +
          `run npm run stripe:setup -- ${live ? "--live " : ""}--webhook-url ${webhookUrl} (it recreates the endpoint; set the new signing secret as STRIPE_WEBHOOK_SECRET)`,
      );
    }
    if (live && !webhookUrl.startsWith("https://")) problems.push(`${webhookUrl} is not https`);
    if (problems.length) fail("Webhook endpoint", problems.join("\n"));
    else
      pass(
        "Webhook endpoint",
        `${endpoint.id} → ${webhookUrl}, ${all ? "all" : WEBHOOK_EVENT_TYPES.length} event types at ${Stripe.API_VERSION}`,
      );
  }
}

/** The product the catalog's prices of `plan` belong to in this mode. */
function productOfPlan(
  plan: PaidPlanKey,
  catalog: readonly CatalogEntry[],
  keyed: readonly Stripe.Price[],
): string | null {
  for (const entry of catalog.filter((e) => e.plan.key === plan)) {
    const price = keyed.find((p) => p.lookup_key === entry.price.lookupKey);
    if (price) return idOf(price.product);
  }
  return null;
}

function urlProblems(
  name: string,
  actual: string | null,
  expected: string,
  live: boolean,
): string[] {
  if (!actual) return [`${name} is not set${live ? " (required in live mode)" : ""}`];
  const problems: string[] = [];
  if (actual !== expected) problems.push(`${name} is ${actual}, expected ${expected}`);
  if (live && !actual.startsWith("https://"))
    problems.push(`${name} ${actual} is not https (live mode)`);
  return problems;
}

function describeFeatures(spec: PortalConfigurationSpec): string {
  const f = spec.features;
  const on: string[] = [];
  if (f.invoiceHistory.enabled) on.push("invoice_history");
  if (f.paymentMethodUpdate.enabled) on.push("payment_method_update");
  if (f.customerUpdate.enabled)
    on.push(`customer_update (${f.customerUpdate.allowedUpdates.join(", ")})`);
  if (f.subscriptionCancel.enabled) on.push(`subscription_cancel (${f.subscriptionCancel.mode})`);
  if (f.subscriptionPause.enabled) on.push("subscription_pause");
  if (f.subscriptionUpdate.enabled) on.push("subscription_update");
  return `exactly ${on.join(", ")}`;
}

function lines(drift: readonly Drift[]): string {
  return drift.map((d) => d.message).join("\n");
}
