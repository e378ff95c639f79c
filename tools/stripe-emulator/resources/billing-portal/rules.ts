/**
 * Stripe's own rules for billing portal configurations and session `flow_data`, beyond the
 * shape of the parameters (checked on the merged configuration, so an update is judged by what
 * it would leave behind).
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { badRequest, invalid, missing } from "../../http/errors";
import { obj, oneOf, str, type Params } from "../../http/params";
import { couponValid, getCoupon } from "../coupons";

export const HEADLINE_MAX = 60;
export const PRODUCTS_MAX = 10;

/** `business_profile.headline`: at most 60 characters (Stripe's API reference). */
export function checkHeadline(value: string): void {
  if (value.length > HEADLINE_MAX) {
    throw invalid(
      "business_profile[headline]",
      `Invalid string: ${value.slice(0, 20)}...; must be at most ${HEADLINE_MAX} characters`,
    );
  }
}

/**
 * Stripe refuses a configuration whose subscription updates are enabled while payment method
 * updates are not; the error has no `param` (as nextjs/saas-starter users saw it in production).
 */
export function checkConfiguration(c: Stripe.BillingPortal.Configuration): void {
  const f = c.features;
  if (f.subscription_update.enabled && !f.payment_method_update.enabled) {
    throw badRequest("Cannot enable subscription updates while payment method update is disabled.");
  }
}

/**
 * `flow_data.subscription_cancel.retention`: a `coupon_offer` with an existing, still valid
 * coupon (unknown → resource_missing, as Stripe). Returned for the session's `flow`; the portal
 * page does not show the offer (see README, Limits).
 */
export function checkRetention(
  ctx: Ctx,
  inner: Params,
): Stripe.BillingPortal.Session.Flow.SubscriptionCancel.Retention | null {
  const base = "flow_data[subscription_cancel][retention]";
  const retention = obj(inner, "retention", base);
  if (!retention) return null;
  const type = oneOf(retention, "type", ["coupon_offer"] as const, `${base}[type]`);
  if (!type) throw missing(`${base}[type]`);
  const offer = obj(retention, "coupon_offer", `${base}[coupon_offer]`);
  const coupon = offer ? str(offer, "coupon", `${base}[coupon_offer][coupon]`) : undefined;
  if (!coupon) throw missing(`${base}[coupon_offer][coupon]`);
  const found = getCoupon(ctx, coupon, `${base}[coupon_offer][coupon]`);
  if (!couponValid(ctx, found))
    throw invalid(`${base}[coupon_offer][coupon]`, `Coupon ${coupon} is no longer valid.`);
  return { coupon_offer: { coupon }, type: "coupon_offer" };
}

/**
 * `subscription_update_confirm.items`: one item only, and the subscription must have only one
 * (Stripe: "only up to one may be specified and subscriptions with multiple items are not
 * updatable").
 */
export function checkConfirmItems(
  sub: Stripe.Subscription,
  items: readonly Params[],
  param: string,
): void {
  if (items.length > 1)
    throw invalid(param, "You can only specify one item to update in this flow.");
  if (sub.items.data.length > 1) {
    throw invalid(
      "flow_data[subscription_update_confirm][subscription]",
      `The subscription ${sub.id} has multiple items and cannot be updated in the customer portal.`,
    );
  }
}
