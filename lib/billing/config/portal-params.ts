import type Stripe from "stripe";
import type { PaidPlanKey, SeatLimits } from "@/lib/billing/catalog/plans";
import {
  PORTAL_CONFIGURATION_TAG,
  type PortalConfigurationSpec,
} from "@/lib/billing/config/portal";

/**
 * Pure translation between the portal spec and Stripe: the parameters that create it, and the list
 * of ways an existing configuration differs from it. Setup updates when the list is not empty; the
 * doctor prints it.
 */

/** One plan of the plan-switch list, with the Stripe ids of the current mode. */
export type PlanSwitchProduct = {
  plan: PaidPlanKey;
  product: string;
  prices: { lookupKey: string; id: string }[];
  /** The seat range the customer may pick in the portal; null: the quantity stays 1. */
  quantity: SeatLimits | null;
};

export type DriftArea = "active" | "features" | "plan_switch" | "business_profile" | "return_url";
export type Drift = { area: DriftArea; message: string };

type CreateParams = Stripe.BillingPortal.ConfigurationCreateParams;
type Configuration = Stripe.BillingPortal.Configuration;

const DOWNGRADE_CONDITIONS = ["decreasing_item_amount", "shortening_interval"] as const;

export function portalConfigurationParams(
  spec: PortalConfigurationSpec,
  planSwitch: readonly PlanSwitchProduct[],
): CreateParams {
  const f = spec.features;
  return {
    business_profile: {
      headline: spec.businessProfile.headline,
      privacy_policy_url: spec.businessProfile.privacyPolicyUrl,
      terms_of_service_url: spec.businessProfile.termsOfServiceUrl,
    },
    default_return_url: spec.defaultReturnUrl,
    metadata: { [PORTAL_CONFIGURATION_TAG.key]: PORTAL_CONFIGURATION_TAG.value },
    features: {
      invoice_history: { enabled: f.invoiceHistory.enabled },
      payment_method_update: { enabled: f.paymentMethodUpdate.enabled },
      customer_update: {
        enabled: f.customerUpdate.enabled,
        allowed_updates: [...f.customerUpdate.allowedUpdates],
      },
      subscription_cancel: {
        enabled: f.subscriptionCancel.enabled,
        mode: f.subscriptionCancel.mode,
        proration_behavior: f.subscriptionCancel.prorationBehavior,
        cancellation_reason: {
          enabled: f.subscriptionCancel.reasons.length > 0,
          options: [...f.subscriptionCancel.reasons],
        },
      },
      subscription_pause: { enabled: f.subscriptionPause.enabled },
      subscription_update: {
        enabled: f.subscriptionUpdate.enabled,
        default_allowed_updates: [...f.subscriptionUpdate.allowedUpdates],
        proration_behavior: f.subscriptionUpdate.prorationBehavior,
        products: planSwitch.map((p) => ({
          product: p.product,
          prices: p.prices.map((price) => price.id),
          adjustable_quantity: p.quantity
            ? { enabled: true, minimum: p.quantity.min, maximum: p.quantity.max }
            : { enabled: false },
        })),
        schedule_at_period_end: {
          conditions: f.subscriptionUpdate.downgradesAtPeriodEnd
            ? DOWNGRADE_CONDITIONS.map((type) => ({ type }))
            : [],
        },
      },
    },
  };
}

/** Every way `actual` differs from the spec; empty when they match. */
export function portalConfigurationDrift(
  actual: Configuration,
  spec: PortalConfigurationSpec,
  planSwitch: readonly PlanSwitchProduct[],
): Drift[] {
  const drift: Drift[] = [];
  const add = (area: DriftArea, message: string) => drift.push({ area, message });
  const a = actual.features;
  const f = spec.features;

  if (!actual.active) add("active", "the configuration is inactive");

  const enabled = (name: string, is: boolean, intended: boolean) => {
    if (is && !intended) add("features", `${name} is enabled but not intended`);
    if (!is && intended) add("features", `${name} is disabled but intended`);
  };
  enabled("invoice_history", a.invoice_history.enabled, f.invoiceHistory.enabled);
  enabled("payment_method_update", a.payment_method_update.enabled, f.paymentMethodUpdate.enabled);
  enabled("customer_update", a.customer_update.enabled, f.customerUpdate.enabled);
  enabled("subscription_cancel", a.subscription_cancel.enabled, f.subscriptionCancel.enabled);
  enabled("subscription_pause", a.subscription_pause.enabled, f.subscriptionPause.enabled);
  enabled("subscription_update", a.subscription_update.enabled, f.subscriptionUpdate.enabled);

  if (f.customerUpdate.enabled) {
    sameSet(
      "customer_update.allowed_updates",
      a.customer_update.allowed_updates,
      f.customerUpdate.allowedUpdates,
    );
  }
  if (f.subscriptionCancel.enabled) {
    const c = a.subscription_cancel;
    same("subscription_cancel.mode", c.mode, f.subscriptionCancel.mode);
    if (f.subscriptionCancel.mode === "immediately") {
      same(
        "subscription_cancel.proration_behavior",
        c.proration_behavior,
        f.subscriptionCancel.prorationBehavior,
      );
    }
    const asksReason = f.subscriptionCancel.reasons.length > 0;
    same(
      "subscription_cancel.cancellation_reason.enabled",
      c.cancellation_reason.enabled,
      asksReason,
    );
    if (asksReason) {
      sameSet(
        "subscription_cancel.cancellation_reason.options",
        c.cancellation_reason.options,
        f.subscriptionCancel.reasons,
      );
    }
  }
  if (f.subscriptionUpdate.enabled) {
    const u = a.subscription_update;
    sameSet(
      "subscription_update.default_allowed_updates",
      u.default_allowed_updates,
      f.subscriptionUpdate.allowedUpdates,
    );
    same(
      "subscription_update.proration_behavior",
      u.proration_behavior,
      f.subscriptionUpdate.prorationBehavior,
    );
    sameSet(
      "subscription_update.schedule_at_period_end.conditions",
      (u.schedule_at_period_end?.conditions ?? []).map((c) => c.type),
      f.subscriptionUpdate.downgradesAtPeriodEnd ? DOWNGRADE_CONDITIONS : [],
    );
    planSwitchDrift(u.products ?? [], planSwitch, (m) => add("plan_switch", m));
  }

  same(
    "business_profile.headline",
    actual.business_profile.headline,
    spec.businessProfile.headline,
    "business_profile",
  );
  same(
    "business_profile.privacy_policy_url",
    actual.business_profile.privacy_policy_url,
    spec.businessProfile.privacyPolicyUrl,
    "business_profile",
  );
  same(
    "business_profile.terms_of_service_url",
    actual.business_profile.terms_of_service_url,
    spec.businessProfile.termsOfServiceUrl,
    "business_profile",
  );
  same("default_return_url", actual.default_return_url, spec.defaultReturnUrl, "return_url");
  return drift;

  function same(
    name: string,
    is: string | boolean | null | undefined,
    expected: string | boolean,
    area: DriftArea = "features",
  ) {
    if (is !== expected) add(area, `${name} is ${show(is)}, expected ${show(expected)}`);
  }
  function sameSet(name: string, is: readonly string[], expected: readonly string[]) {
    const extra = is.filter((x) => !expected.includes(x));
    const missing = expected.filter((x) => !is.includes(x));
    if (extra.length) add("features", `${name} also allows ${extra.join(", ")}`);
    if (missing.length) add("features", `${name} lacks ${missing.join(", ")}`);
  }
}

function planSwitchDrift(
  actual: readonly Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.Product[],
  expected: readonly PlanSwitchProduct[],
  add: (message: string) => void,
): void {
  for (const want of expected) {
    const have = actual.find((p) => p.product === want.product);
    if (!have) {
      add(`product ${want.product} (${want.plan}) is missing from plan switching`);
      continue;
    }
    for (const price of want.prices) {
      if (!have.prices.includes(price.id)) {
        add(`catalog price ${price.lookupKey} (${price.id}) is missing from plan switching`);
      }
    }
    for (const id of have.prices) {
      if (!want.prices.some((p) => p.id === id)) {
        add(`price ${id} is offered in plan switching but is not a catalog price`);
      }
    }
    const haveQuantity = have.adjustable_quantity;
    if (Boolean(haveQuantity?.enabled) !== (want.quantity !== null)) {
      add(
        `quantity of ${want.plan} is ${want.quantity ? "not " : ""}adjustable, expected ` +
          `${want.quantity ? "adjustable" : "fixed"}`,
      );
    } else if (
      want.quantity &&
      (haveQuantity?.minimum !== want.quantity.min || haveQuantity.maximum !== want.quantity.max)
    ) {
      add(
        `quantity of ${want.plan} is limited to ${haveQuantity?.minimum ?? "?"}-${haveQuantity?.maximum ?? "any"}, ` +
          `expected ${want.quantity.min}-${want.quantity.max}`,
      );
    }
  }
  for (const have of actual) {
    if (!expected.some((p) => p.product === have.product)) {
      add(`product ${have.product} is offered in plan switching but is not in the catalog`);
    }
  }
}

function show(value: string | boolean | null | undefined): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value ?? null);
}
