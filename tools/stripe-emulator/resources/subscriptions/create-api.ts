/**
 * `POST /v1/subscriptions`: the API's params (items, trials and their end behaviour, discounts,
 * payment behaviour) turned into a createSubscriptionFrom input (create.ts).
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { DAY_SECONDS } from "../../engine/clock";
import { invalid, missing } from "../../http/errors";
import {
  allowOnly,
  applyMetadata,
  bool,
  int,
  obj,
  objArr,
  oneOf,
  reqStr,
  str,
  type Params,
} from "../../http/params";
import type { MissingPaymentMethod } from "../../engine/store";
import { discountRefsParam, resolveDiscountRefs } from "../discounts";
import { getPrice, unitAmountIn } from "../prices";
import { parseCurrency } from "../currency";
import { atCustomerTime } from "../test-clocks";
import { billingModeParam } from "../billing-mode";
import { createSubscriptionFrom } from "./create";

export function createSubscription(ctx: Ctx, p: Params): Stripe.Subscription {
  allowOnly(p, [
    "customer",
    "items",
    "trial_period_days",
    "trial_end",
    "default_payment_method",
    "payment_behavior",
    "metadata",
    "description",
    "cancel_at_period_end",
    "proration_behavior",
    "collection_method",
    "payment_settings",
    "currency",
    "billing_mode",
    "discounts",
    "trial_settings",
  ]);
  const customer = reqStr(p, "customer");
  // Trial ends and periods count from the customer's time (its test clock's, if any).
  atCustomerTime(ctx, customer);
  const items = objArr(p, "items");
  if (!items || items.length === 0) throw missing("items");
  const trialDays = int(p, "trial_period_days");
  const trialEndRaw = str(p, "trial_end");
  let trialEnd: number | null = null;
  if (trialDays !== undefined && trialDays > 0) trialEnd = ctx.now + trialDays * DAY_SECONDS;
  if (trialEndRaw && trialEndRaw !== "now") {
    const t = Number(trialEndRaw);
    if (!Number.isInteger(t) || t <= ctx.now)
      throw invalid(
        "trial_end",
        "Invalid timestamp: must be an integer Unix timestamp in the future.",
      );
    trialEnd = t;
  }
  const lineItems = items.map((it, i) => ({
    price: reqStr(it, "price", `items[${i}][price]`),
    quantity: int(it, "quantity", `items[${i}][quantity]`) ?? 1,
  }));
  const currency =
    p.currency !== undefined ? parseCurrency(reqStr(p, "currency"), "currency") : undefined;
  const refs = discountRefsParam(p);
  const first = getPrice(ctx, lineItems[0]?.price ?? "", "items[0][price]");
  const cur = currency ?? first.currency;
  const discounts = refs
    ? resolveDiscountRefs(ctx, refs, {
        customer,
        currency: cur,
        amount: lineItems.reduce(
          (a, l) => a + unitAmountIn(ctx, getPrice(ctx, l.price), cur, "items") * l.quantity,
          0,
        ),
      })
    : undefined;
  return createSubscriptionFrom(ctx, {
    customer,
    items: lineItems,
    discounts,
    missingPaymentMethod: missingPaymentMethodParam(p),
    trialEnd,
    defaultPaymentMethod: str(p, "default_payment_method") || null,
    paymentBehavior:
      oneOf(p, "payment_behavior", [
        "allow_incomplete",
        "error_if_incomplete",
        "default_incomplete",
        "pending_if_incomplete",
      ] as const) === "error_if_incomplete"
        ? "error_if_incomplete"
        : str(p, "payment_behavior") === "default_incomplete"
          ? "default_incomplete"
          : "allow_incomplete",
    metadata: applyMetadata({}, p),
    currency,
    description: str(p, "description") ?? null,
    cancelAtPeriodEnd: bool(p, "cancel_at_period_end") ?? false,
    billingMode: billingModeParam(p),
  });
}

/**
 * `trial_settings[end_behavior][missing_payment_method]` of a params hash (`path`: its bracket
 * name, `subscription_data[trial_settings]` in Checkout).
 */
export function missingPaymentMethodParam(
  p: Params,
  path = "trial_settings",
): MissingPaymentMethod | undefined {
  const ts = obj(p, "trial_settings", path);
  if (!ts) return undefined;
  const eb = obj(ts, "end_behavior", `${path}[end_behavior]`);
  if (!eb) throw missing(`${path}[end_behavior]`);
  const key = `${path}[end_behavior][missing_payment_method]`;
  const v = oneOf(
    eb,
    "missing_payment_method",
    ["cancel", "pause", "create_invoice"] as const,
    key,
  );
  if (!v) throw missing(key);
  return v;
}
