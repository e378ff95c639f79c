import { listPortalConfigurations } from "@/lib/billing/stripe/lists";
import type Stripe from "stripe";
import { seatLimits } from "@/lib/billing/catalog/offers";
import type { SeatLimits } from "@/lib/billing/catalog/plans";
import { isStripeResourceMissing } from "@/lib/billing/stripe/errors";
import { PLANS, type PaidPlanKey } from "@/lib/billing/catalog/plans";
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
      // Stripe allows at most 60 characters.
      headline: "Billing Done Right: your plan, card and invoices.",
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

/** The seat range a plan may change its quantity within in the portal; null: fixed at 1. */
export function planQuantityRange(plan: PaidPlanKey): SeatLimits | null {
  return PLANS[plan].perSeat ? seatLimits(PLANS[plan]) : null;
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
  const all = await listPortalConfigurations(stripe);
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

/** The resolved id, for one mode (and override) at a time: a mode change drops it. */
let cached: { mode: StripeMode; overrideId: string | undefined; id: Promise<string> } | null = null;
/** Clients whose failed portal sessions evict the cached id (see watchPortalSessions). */
const watched = new WeakSet<Stripe>();

/**
 * The id of the portal configuration to use with the configured key: STRIPE_PORTAL_CONFIGURATION_ID
 * when set, else the newest active configuration carrying our tag. Checked to belong to the key's
 * mode, so a live deployment never opens a test configuration (or the reverse).
 *
 * Cached per process, and evicted so that a running server heals itself: a failed lookup is not
 * kept (running setup fixes the next request), a mode change looks up again, and a portal session
 * that Stripe refuses drops the id it may have used (a configuration deleted with an emulator
 * reset, deactivated in the Dashboard, or from another account), so the next request looks again.
 */
export function resolvePortalConfigurationId(options: { fresh?: boolean } = {}): Promise<string> {
  const mode = stripeMode();
  const overrideId = env.STRIPE_PORTAL_CONFIGURATION_ID;
  const stripe = getStripe();
  watchPortalSessions(stripe);
  if (cached && !options.fresh && cached.mode === mode && cached.overrideId === overrideId) {
    return cached.id;
  }
  const entry = { mode, overrideId, id: lookUpPortalConfigurationId(stripe, mode, overrideId) };
  cached = entry;
  entry.id.catch(() => {
    if (cached === entry) cached = null;
  });
  return entry.id;
}

/**
 * Forgets the cached id: after `stripe:setup` ran in the same process, in tests, and whenever a
 * Stripe call that used the id failed because of it. The next resolution asks Stripe again.
 */
export function clearPortalConfigurationCache(): void {
  cached = null;
}

/**
 * Evicts the cached id when Stripe refuses a portal session (400/404): the configuration it named
 * may be gone or inactive. Stripe's error body is not in the SDK's response event, so any refusal
 * evicts; the cost is one configuration lookup on the next request. Watching the client, rather
 * than each caller, covers every place that creates sessions with the resolved id.
 */
function watchPortalSessions(stripe: Stripe): void {
  if (watched.has(stripe)) return;
  watched.add(stripe);
  stripe.on("response", (event: Stripe.ResponseEvent) => {
    if (
      event.method === "POST" &&
      event.path === "/v1/billing_portal/sessions" &&
      (event.status === 400 || event.status === 404)
    ) {
      clearPortalConfigurationCache();
    }
  });
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
