/**
 * Coupons: create, retrieve, update (name, metadata, currency_options), list, delete, and whether
 * one can still be redeemed. Promotion codes (promotion-codes.ts) and discounts (discounts.ts)
 * are made of them.
 */
import type Stripe from "stripe";
import type { Ctx } from "../engine/request-context";
import { diff } from "../engine/request-context";
import { badRequest, invalid, missing, noSuch } from "../http/errors";
import { paginate } from "../http/list";
import { applyMetadata, int, obj, oneOf, str, type Params } from "../http/params";
import { newestFirst, randomToken } from "../engine/store";
import { checkChargeableAmount, parseCurrency } from "./currency";

const DURATIONS = ["once", "repeating", "forever"] as const;

export function getCoupon(ctx: Ctx, id: string, param = "id"): Stripe.Coupon {
  const c = ctx.s.coupons[id];
  if (!c) throw noSuch("coupon", id, param);
  return c;
}

/** A coupon a discount names, deleted or not (discounts outlive their coupon, as in Stripe). */
export function couponOfDiscount(ctx: Ctx, id: string): Stripe.Coupon | undefined {
  return ctx.s.coupons[id] ?? ctx.s.deletedCoupons[id];
}

/** Stripe's `valid`: not past `redeem_by`, not redeemed `max_redemptions` times. */
export function couponValid(ctx: Ctx, c: Stripe.Coupon): boolean {
  if (c.redeem_by !== null && c.redeem_by <= ctx.now) return false;
  if (c.max_redemptions !== null && c.times_redeemed >= c.max_redemptions) return false;
  return true;
}

/** Refreshes `valid` (it depends on the clock) on every stored coupon before it is served. */
export function refreshValidity(ctx: Ctx, c: Stripe.Coupon): Stripe.Coupon {
  c.valid = couponValid(ctx, c);
  return c;
}

/** Parses `currency_options[<cur>][amount_off]` (fixed-amount coupons only). */
function applyCurrencyOptions(
  coupon: Stripe.Coupon,
  raw: Params,
  into: Record<string, Stripe.Coupon.CurrencyOptions>,
): void {
  if (coupon.amount_off === null)
    throw invalid("currency_options", "currency_options can only be set on amount_off coupons.");
  for (const [key, value] of Object.entries(raw)) {
    const param = `currency_options[${key}]`;
    const cur = parseCurrency(key, param);
    if (typeof value !== "object" || Array.isArray(value)) throw invalid(param);
    const amount = int(value, "amount_off", `${param}[amount_off]`);
    if (amount === undefined) throw missing(`${param}[amount_off]`);
    if (amount <= 0) throw invalid(`${param}[amount_off]`, "amount_off must be greater than 0.");
    checkChargeableAmount(amount, cur, `${param}[amount_off]`);
    // Stricter: the coupon's own currency may not be given a second, different amount.
    if (cur === coupon.currency && amount !== coupon.amount_off)
      throw invalid(param, `The currency option for ${cur} must match the coupon's amount_off.`);
    if (cur !== coupon.currency) into[cur] = { amount_off: amount };
  }
}

/** Every currency the coupon takes off a fixed amount in, its own first (when expanded). */
export function couponCurrencyOptionsOf(
  ctx: Ctx,
  c: Stripe.Coupon,
): Record<string, Stripe.Coupon.CurrencyOptions> {
  if (c.amount_off === null || c.currency === null) return {};
  return {
    [c.currency]: { amount_off: c.amount_off },
    ...(ctx.s.couponCurrencyOptions[c.id] ?? {}),
  };
}

/** The fixed amount a coupon takes off in `currency`, or null (percent coupon, or no option). */
export function amountOffIn(ctx: Ctx, c: Stripe.Coupon, currency: string): number | null {
  if (c.amount_off === null) return null;
  return couponCurrencyOptionsOf(ctx, c)[currency]?.amount_off ?? null;
}

export function createCoupon(ctx: Ctx, p: Params): Stripe.Coupon {
  const percentRaw = str(p, "percent_off");
  const percent = percentRaw ? Number(percentRaw) : null;
  const amountOff = int(p, "amount_off") ?? null;
  if (percent === null && amountOff === null) throw missing("percent_off");
  if (percent !== null && amountOff !== null)
    throw invalid(
      "percent_off",
      "You may only specify one of these parameters: amount_off, percent_off.",
    );
  if (percent !== null && !(percent > 0 && percent <= 100))
    throw invalid("percent_off", "percent_off must be greater than 0 and at most 100.");
  let currency: string | null = null;
  if (amountOff !== null) {
    if (amountOff <= 0) throw invalid("amount_off", "amount_off must be greater than 0.");
    const cur = str(p, "currency");
    if (!cur) throw missing("currency");
    currency = parseCurrency(cur, "currency");
    checkChargeableAmount(amountOff, currency, "amount_off");
  } else if (str(p, "currency")) {
    // Stricter: a currency on a percent coupon means nothing, so it is refused.
    throw invalid("currency", "currency can only be set with amount_off.");
  }
  const duration = oneOf(p, "duration", DURATIONS) ?? "once";
  const months = int(p, "duration_in_months") ?? null;
  if (duration === "repeating" && (months === null || months < 1))
    throw missing("duration_in_months");
  if (duration !== "repeating" && months !== null)
    throw invalid(
      "duration_in_months",
      "duration_in_months is only valid with duration=repeating.",
    );
  const maxRedemptions = int(p, "max_redemptions") ?? null;
  if (maxRedemptions !== null && maxRedemptions < 1)
    throw invalid("max_redemptions", "max_redemptions must be a positive integer.");
  const redeemBy = int(p, "redeem_by") ?? null;
  if (redeemBy !== null && redeemBy <= ctx.now)
    throw invalid("redeem_by", "redeem_by must be in the future.");
  const id = str(p, "id") || randomToken(8);
  if (ctx.s.coupons[id] || ctx.s.deletedCoupons[id])
    throw badRequest("Coupon already exists.", "id", "resource_already_exists");
  const coupon: Stripe.Coupon = {
    id,
    object: "coupon",
    amount_off: amountOff,
    created: ctx.now,
    currency,
    duration,
    duration_in_months: months,
    livemode: ctx.mode === "live",
    max_redemptions: maxRedemptions,
    metadata: applyMetadata({}, p),
    name: str(p, "name") || null,
    percent_off: percent,
    redeem_by: redeemBy,
    times_redeemed: 0,
    valid: true,
  };
  if (obj(p, "applies_to"))
    throw invalid("applies_to", "The local Stripe emulator does not support applies_to.");
  const options: Record<string, Stripe.Coupon.CurrencyOptions> = {};
  const rawOptions = obj(p, "currency_options");
  if (rawOptions) applyCurrencyOptions(coupon, rawOptions, options);
  ctx.s.coupons[id] = coupon;
  if (Object.keys(options).length) ctx.s.couponCurrencyOptions[id] = options;
  ctx.emit("coupon.created", structuredClone(coupon));
  return coupon;
}

export function retrieveCoupon(ctx: Ctx, id: string): Stripe.Coupon {
  return refreshValidity(ctx, getCoupon(ctx, id));
}

export function updateCoupon(ctx: Ctx, id: string, p: Params): Stripe.Coupon {
  const coupon = refreshValidity(ctx, getCoupon(ctx, id));
  const before = structuredClone(coupon);
  const name = str(p, "name");
  if (name !== undefined) coupon.name = name || null;
  coupon.metadata = applyMetadata(coupon.metadata, p);
  const rawOptions = obj(p, "currency_options");
  if (rawOptions) {
    const options = { ...(ctx.s.couponCurrencyOptions[id] ?? {}) };
    applyCurrencyOptions(coupon, rawOptions, options);
    ctx.s.couponCurrencyOptions[id] = options;
  }
  const changes = diff(before, coupon);
  if (Object.keys(changes).length || rawOptions)
    ctx.emit("coupon.updated", structuredClone(coupon), changes);
  return coupon;
}

/** Deleting a coupon stops new redemptions; discounts already made of it keep applying. */
export function deleteCoupon(ctx: Ctx, id: string): Stripe.DeletedCoupon {
  const coupon = refreshValidity(ctx, getCoupon(ctx, id));
  delete ctx.s.coupons[id];
  coupon.valid = false;
  ctx.s.deletedCoupons[id] = coupon;
  ctx.emit("coupon.deleted", structuredClone(coupon));
  return { id, object: "coupon", deleted: true };
}

export function listCoupons(ctx: Ctx, p: Params): Stripe.ApiList<Stripe.Coupon> {
  const all = newestFirst(ctx.s.coupons).map((c) => refreshValidity(ctx, c));
  return paginate(all, p, "/v1/coupons");
}
