/**
 * Promotion codes (`promotion: {type: "coupon", coupon}`, API 2026-10-28): create, retrieve,
 * update (active, metadata), list, and whether a code can be redeemed now.
 */
import type Stripe from "stripe";
import type { Ctx } from "../engine/request-context";
import { diff } from "../engine/request-context";
import { badRequest, invalid, missing, noSuch } from "../http/errors";
import { idOf } from "../http/expand";
import { paginate } from "../http/list";
import { applyMetadata, bool, int, obj, reqStr, str, type Params } from "../http/params";
import { newId, newestFirst, randomToken } from "../engine/store";
import { couponValid, getCoupon } from "./coupons";
import { getCustomer } from "./customers";
import { parseCurrency } from "./currency";

/** Stripe's documented alphabet for codes. */
const CODE = /^[A-Za-z0-9]{1,500}$/;

export function getPromotionCode(ctx: Ctx, id: string, param = "id"): Stripe.PromotionCode {
  const pc = ctx.s.promotionCodes[id];
  if (!pc) throw noSuch("promotion_code", id, param);
  return pc;
}

export function couponIdOf(pc: Stripe.PromotionCode): string {
  return idOf(pc.promotion.coupon) ?? "";
}

function activeWithCode(ctx: Ctx, code: string, except?: string): Stripe.PromotionCode | undefined {
  const wanted = code.toLowerCase();
  return Object.values(ctx.s.promotionCodes).find(
    (x) => x.active && x.id !== except && x.code.toLowerCase() === wanted,
  );
}

export function createPromotionCode(ctx: Ctx, p: Params): Stripe.PromotionCode {
  const promotion = obj(p, "promotion");
  if (!promotion) throw missing("promotion");
  if (reqStr(promotion, "type", "promotion[type]") !== "coupon") throw invalid("promotion[type]");
  const couponId = str(promotion, "coupon", "promotion[coupon]");
  if (!couponId) throw missing("promotion[coupon]");
  const coupon = getCoupon(ctx, couponId, "promotion[coupon]");
  if (!couponValid(ctx, coupon))
    throw invalid("promotion[coupon]", `Coupon ${coupon.id} is no longer valid.`);
  const code = str(p, "code") || randomToken(8).toUpperCase();
  if (!CODE.test(code))
    throw invalid("code", "Promotion codes may only contain letters (a-z, A-Z) and digits (0-9).");
  const active = bool(p, "active") ?? true;
  if (active && activeWithCode(ctx, code))
    throw badRequest(
      `An active promotion code with \`code: ${code}\` already exists.`,
      "code",
      "promotion_code_already_exists",
    );
  const customer = str(p, "customer") || null;
  if (customer) getCustomer(ctx, customer, "customer");
  const expiresAt = int(p, "expires_at") ?? null;
  if (expiresAt !== null && expiresAt <= ctx.now)
    throw invalid("expires_at", "expires_at must be in the future.");
  if (coupon.redeem_by !== null && expiresAt !== null && expiresAt > coupon.redeem_by)
    throw invalid("expires_at", "expires_at cannot be later than the coupon's redeem_by.");
  const maxRedemptions = int(p, "max_redemptions") ?? null;
  if (maxRedemptions !== null && maxRedemptions < 1)
    throw invalid("max_redemptions", "max_redemptions must be a positive integer.");
  const r = obj(p, "restrictions") ?? {};
  if (r.currency_options !== undefined)
    throw invalid(
      "restrictions[currency_options]",
      "The local Stripe emulator does not support restrictions[currency_options].",
    );
  const minimum = int(r, "minimum_amount", "restrictions[minimum_amount]") ?? null;
  const minCurRaw = str(r, "minimum_amount_currency", "restrictions[minimum_amount_currency]");
  if ((minimum === null) !== !minCurRaw)
    throw missing(
      minimum === null ? "restrictions[minimum_amount]" : "restrictions[minimum_amount_currency]",
    );
  const pc: Stripe.PromotionCode = {
    id: newId("promo"),
    object: "promotion_code",
    active,
    code,
    created: ctx.now,
    customer,
    customer_account: null,
    expires_at: expiresAt,
    livemode: ctx.mode === "live",
    max_redemptions: maxRedemptions,
    metadata: applyMetadata({}, p),
    promotion: { coupon: coupon.id, type: "coupon" },
    restrictions: {
      first_time_transaction:
        bool(r, "first_time_transaction", "restrictions[first_time_transaction]") ?? false,
      minimum_amount: minimum,
      minimum_amount_currency: minCurRaw
        ? parseCurrency(minCurRaw, "restrictions[minimum_amount_currency]")
        : null,
    },
    times_redeemed: 0,
  };
  ctx.s.promotionCodes[pc.id] = pc;
  ctx.emit("promotion_code.created", structuredClone(pc));
  return pc;
}

export function updatePromotionCode(ctx: Ctx, id: string, p: Params): Stripe.PromotionCode {
  const pc = getPromotionCode(ctx, id);
  if (p.restrictions !== undefined)
    throw invalid(
      "restrictions",
      "The local Stripe emulator does not support restrictions[currency_options].",
    );
  const before = structuredClone(pc);
  const active = bool(p, "active");
  if (active === true && !pc.active) {
    if (activeWithCode(ctx, pc.code, pc.id))
      throw badRequest(
        `An active promotion code with \`code: ${pc.code}\` already exists.`,
        "active",
        "promotion_code_already_exists",
      );
    const coupon = ctx.s.coupons[couponIdOf(pc)];
    // Stricter: a code whose coupon is gone or spent cannot come back.
    if (!coupon || !couponValid(ctx, coupon))
      throw invalid("active", "The promotion code's coupon is no longer valid.");
  }
  if (active !== undefined) pc.active = active;
  pc.metadata = applyMetadata(pc.metadata, p);
  const changes = diff(before, pc);
  if (Object.keys(changes).length) ctx.emit("promotion_code.updated", structuredClone(pc), changes);
  return pc;
}

export function listPromotionCodes(ctx: Ctx, p: Params): Stripe.ApiList<Stripe.PromotionCode> {
  const code = str(p, "code")?.toLowerCase();
  const active = bool(p, "active");
  const coupon = str(p, "coupon");
  const customer = str(p, "customer");
  const all = newestFirst(ctx.s.promotionCodes).filter(
    (x) =>
      (!code || x.code.toLowerCase() === code) &&
      (active === undefined || x.active === active) &&
      (!coupon || couponIdOf(x) === coupon) &&
      (!customer || x.customer === customer),
  );
  return paginate(all, p, "/v1/promotion_codes");
}

/** Whether a customer has paid anything yet (`restrictions.first_time_transaction`). */
function hasPaid(ctx: Ctx, customer: string | null): boolean {
  if (!customer) return false;
  return Object.values(ctx.s.invoices).some(
    (inv) => inv.customer === customer && inv.status === "paid" && inv.amount_paid > 0,
  );
}

/**
 * Why `pc` cannot be redeemed now by `customer` for `amount` in `currency` (the message Checkout
 * shows), or null when it can.
 */
export function whyNotRedeemable(
  ctx: Ctx,
  pc: Stripe.PromotionCode,
  f: { customer: string | null; amount: number; currency: string },
): string | null {
  const coupon = ctx.s.coupons[couponIdOf(pc)];
  if (!pc.active || !coupon || !couponValid(ctx, coupon)) return "This code is invalid.";
  if (pc.expires_at !== null && pc.expires_at <= ctx.now) return "This code has expired.";
  if (pc.max_redemptions !== null && pc.times_redeemed >= pc.max_redemptions)
    return "This code has already been redeemed the maximum number of times.";
  if (pc.customer !== null && pc.customer !== f.customer)
    return "This code is not valid for this customer.";
  if (pc.restrictions.first_time_transaction && hasPaid(ctx, f.customer))
    return "This code is only valid for first-time customers.";
  const min = pc.restrictions.minimum_amount;
  if (min !== null && (pc.restrictions.minimum_amount_currency !== f.currency || f.amount < min))
    return "This code requires a higher order amount.";
  if (coupon.amount_off !== null && coupon.currency !== f.currency) {
    const options = ctx.s.couponCurrencyOptions[coupon.id] ?? {};
    if (!options[f.currency]) return "This code is not valid in this currency.";
  }
  return null;
}

/** The active promotion code whose `code` matches, ignoring case (what a customer types). */
export function findActiveCode(ctx: Ctx, code: string): Stripe.PromotionCode | undefined {
  return activeWithCode(ctx, code.trim());
}
