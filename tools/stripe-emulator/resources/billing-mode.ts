/** `billing_mode` of subscriptions: flexible by default (Stripe's since 2025-09-30.clover). */
import type Stripe from "stripe";
import { invalid, missing } from "../http/errors";
import { allowOnly, obj, oneOf, type Params } from "../http/params";

/** Stripe's default for new subscriptions since 2025-09-30.clover. */
export const FLEXIBLE: Stripe.Subscription.BillingMode = {
  flexible: { proration_discounts: "included" },
  type: "flexible",
};

/** `billing_mode[type]` (classic | flexible) and `billing_mode[flexible][proration_discounts]`. */
export function billingModeParam(p: Params): Stripe.Subscription.BillingMode | undefined {
  const bm = obj(p, "billing_mode");
  if (!bm) return undefined;
  allowOnly(bm, ["type", "flexible"]);
  const type = oneOf(bm, "type", ["classic", "flexible"] as const, "billing_mode[type]");
  if (!type) throw missing("billing_mode[type]");
  const flexible = obj(bm, "flexible", "billing_mode[flexible]");
  if (type === "classic") {
    if (flexible)
      throw invalid(
        "billing_mode[flexible]",
        "`billing_mode[flexible]` can only be set when `billing_mode[type]` is `flexible`.",
      );
    return { flexible: null, type: "classic" };
  }
  const discounts = flexible
    ? oneOf(
        flexible,
        "proration_discounts",
        ["included", "itemized"] as const,
        "billing_mode[flexible][proration_discounts]",
      )
    : undefined;
  return { flexible: { proration_discounts: discounts ?? "included" }, type: "flexible" };
}
