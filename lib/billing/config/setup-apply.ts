// stripe:setup's applying: writes the planned products, prices, portal configuration and endpoint.
import Stripe from "stripe";
import { PLANS, type CatalogEntry, type PlanKey } from "@/lib/billing/catalog/plans";
import type { PortalConfigurationSpec } from "@/lib/billing/config/portal";
import {
  portalConfigurationDrift,
  portalConfigurationParams,
} from "@/lib/billing/config/portal-params";
import type { StripeSetupResult } from "@/lib/billing/config/setup";
import { planSwitchProducts, productDrift, type Plan } from "@/lib/billing/config/setup-plan";
import { assertMode, StripeSetupRefusedError } from "@/lib/billing/config/setup-refusal";
import { applyWebhook } from "@/lib/billing/config/setup-webhook";
import type { StripeMode } from "@/lib/stripe";

export async function applySetup(
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
    ({ webhookEndpointId, webhookSecret } = await applyWebhook(
      stripe,
      mode,
      plan,
      webhookUrl,
      log,
    ));
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
