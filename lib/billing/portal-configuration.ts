import type Stripe from "stripe";
import { isStripeResourceMissing } from "@/lib/billing/billing-errors";
import { PLANS, type PaidPlanKey } from "@/lib/billing/catalog";
import { env } from "@/lib/env";
import { getStripe, stripeMode, type StripeMode } from "@/lib/stripe";

/**
 * The Customer Portal as code: what customers may do there, which plans they may switch between,
 * and where they come back to. `npm run stripe:setup` writes it into each mode (test, sandbox,
 * emulator, live) and `npm run billing:doctor` checks that Stripe still matches it.
 */

// Stripe's own parameter types, so a value Stripe does not accept fails to compile.
export type CustomerUpdateField =
  Stripe.BillingPortal.ConfigurationCreateParams.Features.CustomerUpdate.AllowedUpdate;
export type CancellationReason =
  Stripe.BillingPortal.ConfigurationCreateParams.Features.SubscriptionCancel.CancellationReason.Option;
type CancelMode = Stripe.BillingPortal.ConfigurationCreateParams.Features.SubscriptionCancel.Mode;
type CancelProration =
  Stripe.BillingPortal.ConfigurationCreateParams.Features.SubscriptionCancel.ProrationBehavior;
type AllowedUpdate =
  Stripe.BillingPortal.ConfigurationCreateParams.Features.SubscriptionUpdate.DefaultAllowedUpdate;
export type ProrationBehavior =
  Stripe.BillingPortal.ConfigurationCreateParams.Features.SubscriptionUpdate.ProrationBehavior;

export type PortalConfigurationSpec = {
  businessProfile: {
    headline: string;
    privacyPolicyUrl: string;
    termsOfServiceUrl: string;
  };
  /** Where the portal's "Return to …" link goes when a session does not pass its own. */
  defaultReturnUrl: string;
  features: {
    invoiceHistory: { enabled: boolean };
    paymentMethodUpdate: { enabled: boolean };
    customerUpdate: { enabled: boolean; allowedUpdates: readonly CustomerUpdateField[] };
    subscriptionCancel: {
      enabled: boolean;
      mode: CancelMode;
      /** Only used with `mode: "immediately"`. */
      prorationBehavior: CancelProration;
      /** Reasons the customer picks from when canceling; empty = the question is not asked. */
      reasons: readonly CancellationReason[];
    };
    subscriptionPause: { enabled: boolean };
    subscriptionUpdate: {
      enabled: boolean;
      /** The plan-change boundary: every price of these catalog plans, and nothing else. */
      plans: readonly PaidPlanKey[];
      allowedUpdates: readonly AllowedUpdate[];
      prorationBehavior: ProrationBehavior;
      /** Downgrades (cheaper price, shorter interval) wait for the end of the paid period. */
      downgradesAtPeriodEnd: boolean;
    };
  };
};

/** Metadata that marks the configuration this app manages, so each mode can find its own. */
export const PORTAL_CONFIGURATION_TAG = { key: "managed_by", value: "billing-done-right" } as const;

export function portalConfigurationSpec(appUrl: string): PortalConfigurationSpec {
  return {
    businessProfile: {
      headline: "Billing Done Right: manage your plan, payment method and invoices.",
      privacyPolicyUrl: `${appUrl}/privacy`,
      termsOfServiceUrl: `${appUrl}/terms`,
    },
    defaultReturnUrl: `${appUrl}/settings/billing`,
    features: {
      invoiceHistory: { enabled: true },
      paymentMethodUpdate: { enabled: true },
      // The billing email is Stripe's business only: sign-in never uses it, so it may change here.
      customerUpdate: { enabled: true, allowedUpdates: ["email", "name", "address", "tax_id"] },
      subscriptionCancel: {
        enabled: true,
        // Canceling keeps what was paid for; the subscription ends with the period.
        mode: "at_period_end",
        prorationBehavior: "none",
        reasons: ["too_expensive", "missing_features", "switched_service", "unused", "other"],
      },
      // Pausing would need its own entitlement rules; not offered.
      subscriptionPause: { enabled: false },
      subscriptionUpdate: {
        enabled: true,
        plans: ["pro", "team"],
        // Quantity is further limited per product: only per-seat plans get it (see params).
        allowedUpdates: ["price", "quantity"],
        // Upgrades are charged at once, with a proration invoice the customer can read.
        prorationBehavior: "always_invoice",
        downgradesAtPeriodEnd: true,
      },
    },
  };
}

/** The configuration of this deployment (its URLs follow APP_URL). */
export const PORTAL_CONFIGURATION: PortalConfigurationSpec = portalConfigurationSpec(env.APP_URL);

/** Whether a per-seat plan may change its quantity in the portal. */
export function planQuantityAdjustable(plan: PaidPlanKey): boolean {
  return PLANS[plan].perSeat;
}

export function isTaggedPortalConfiguration(
  configuration: Pick<Stripe.BillingPortal.Configuration, "metadata">,
): boolean {
  return configuration.metadata?.[PORTAL_CONFIGURATION_TAG.key] === PORTAL_CONFIGURATION_TAG.value;
}

/**
 * The tagged configurations of the key's mode, newest first (active or not). Stripe cannot filter
 * by metadata, so every configuration is listed; accounts have a handful.
 */
export async function listTaggedPortalConfigurations(
  stripe: Stripe,
): Promise<Stripe.BillingPortal.Configuration[]> {
  const all = await stripe.billingPortal.configurations
    .list({ limit: 100 })
    .autoPagingToArray({ limit: 1_000 });
  return all.filter(isTaggedPortalConfiguration).sort((a, b) => b.created - a.created);
}

export type PortalNotConfiguredReason = "missing" | "inactive" | "wrong_mode";

/** The Customer Portal cannot be opened in this mode until its configuration is fixed. */
export class PortalNotConfiguredError extends Error {
  constructor(
    readonly mode: StripeMode,
    readonly reason: PortalNotConfiguredReason,
    detail?: string,
  ) {
    const fix = mode === "live" ? "npm run stripe:setup -- --live" : "npm run stripe:setup";
    super(
      detail ??
        `No Customer Portal configuration in ${mode} mode: run ${fix} ` +
          `(configurations exist per mode; one from the other mode never applies).`,
    );
    this.name = "PortalNotConfiguredError";
  }
}

const resolved = new Map<StripeMode, Promise<string>>();

/**
 * The id of the portal configuration to use with the configured key: STRIPE_PORTAL_CONFIGURATION_ID
 * when set, else the newest active configuration carrying our tag. Checked to belong to the key's
 * mode, so a live deployment never opens a test configuration (or the reverse). Cached per process;
 * a failed lookup is not cached, so running setup fixes a running server on the next request.
 */
export function resolvePortalConfigurationId(options: { fresh?: boolean } = {}): Promise<string> {
  const mode = stripeMode();
  const cached = resolved.get(mode);
  if (cached && !options.fresh) return cached;
  const lookup = lookUpPortalConfigurationId(getStripe(), mode, env.STRIPE_PORTAL_CONFIGURATION_ID);
  resolved.set(mode, lookup);
  lookup.catch(() => {
    if (resolved.get(mode) === lookup) resolved.delete(mode);
  });
  return lookup;
}

/** Forgets the cached id (tests, and after `stripe:setup` ran in the same process). */
export function clearPortalConfigurationCache(): void {
  resolved.clear();
}

/** The lookup itself, without cache or env: also used by the billing doctor. */
export async function lookUpPortalConfigurationId(
  stripe: Stripe,
  mode: StripeMode,
  overrideId?: string,
): Promise<string> {
  const live = mode === "live";
  if (overrideId) {
    let configuration: Stripe.BillingPortal.Configuration;
    try {
      configuration = await stripe.billingPortal.configurations.retrieve(overrideId);
    } catch (error) {
      // Another mode's id is "missing" from this key's point of view.
      if (isStripeResourceMissing(error)) {
        throw new PortalNotConfiguredError(
          mode,
          "wrong_mode",
          `STRIPE_PORTAL_CONFIGURATION_ID=${overrideId} does not exist in ${mode} mode ` +
            `(is it from the other mode?). Unset it or use an id from ${mode} mode.`,
        );
      }
      throw error;
    }
    if (configuration.livemode !== live) {
      throw new PortalNotConfiguredError(
        mode,
        "wrong_mode",
        `STRIPE_PORTAL_CONFIGURATION_ID=${overrideId} is a ${configuration.livemode ? "live" : "test"} ` +
          `mode configuration, but the key is ${mode} mode.`,
      );
    }
    if (!configuration.active) {
      throw new PortalNotConfiguredError(
        mode,
        "inactive",
        `STRIPE_PORTAL_CONFIGURATION_ID=${overrideId} is inactive in ${mode} mode.`,
      );
    }
    return configuration.id;
  }

  const tagged = await listTaggedPortalConfigurations(stripe);
  const usable = tagged.find((c) => c.active && c.livemode === live);
  if (usable) return usable.id;
  if (tagged.some((c) => c.livemode === live)) {
    throw new PortalNotConfiguredError(
      mode,
      "inactive",
      `The Customer Portal configuration in ${mode} mode is inactive: run ` +
        `${live ? "npm run stripe:setup -- --live" : "npm run stripe:setup"} to reactivate it.`,
    );
  }
  throw new PortalNotConfiguredError(mode, "missing");
}
