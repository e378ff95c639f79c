import type Stripe from "stripe";
import { catalogPrices, type CatalogEntry } from "@/lib/billing/catalog/plans";
import { clearCatalogPriceCache } from "@/lib/billing/catalog/prices";
import {
  clearPortalConfigurationCache,
  PORTAL_CONFIGURATION,
  type PortalConfigurationSpec,
} from "@/lib/billing/config/portal";
import { applySetup } from "@/lib/billing/config/setup-apply";
import { planSetup } from "@/lib/billing/config/setup-plan";
import { planSamplePromotion } from "@/lib/billing/config/sample-promotion";
import { checkModeFlags, StripeSetupRefusedError } from "@/lib/billing/config/setup-refusal";
import { getStripe, stripeMode, type StripeMode } from "@/lib/stripe";

export { planSwitchProducts } from "@/lib/billing/config/setup-plan";
export { checkModeFlags, StripeSetupRefusedError } from "@/lib/billing/config/setup-refusal";
export { endpointAt } from "@/lib/billing/config/setup-webhook";

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
  /** `--sample-coupon`: a sample coupon and promotion code (test mode only; refused in live). */
  samplePromotionCode?: boolean;
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

export async function runStripeSetup(options: StripeSetupOptions = {}): Promise<StripeSetupResult> {
  const stripe = options.stripe ?? getStripe();
  const mode = options.mode ?? stripeMode();
  const log = options.log ?? (() => undefined);
  checkModeFlags(mode, options.live ?? false);

  const catalog = options.catalog ?? catalogPrices();
  const spec = options.spec ?? PORTAL_CONFIGURATION;
  const sample = options.samplePromotionCode ? await planSamplePromotion(stripe, mode) : null;
  const plan = await planSetup(stripe, mode, catalog, spec, options.webhookUrl, log);
  if (sample) plan.steps.push(sample.step);
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
  await sample?.apply();
  clearCatalogPriceCache();
  clearPortalConfigurationCache();
  log(`Applied ${changes.length} change${changes.length === 1 ? "" : "s"} in ${mode} mode.`);
  return { ...result, mode, changes, applied: true };
}
