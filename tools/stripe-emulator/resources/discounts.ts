/**
 * Discounts (`di_…`): a coupon (possibly through a promotion code) applied to a subscription,
 * what they take off invoice lines, and how long they last (the coupon's `duration`).
 */
import type Stripe from "stripe";
import type { Ctx } from "../engine/request-context";
import { addInterval } from "../engine/clock";
import { invalid, missing } from "../http/errors";
import { idOf } from "../http/expand";
import { objArr, str, type Params } from "../http/params";
import { newId, type DiscountRef } from "../engine/store";
import { amountOffIn, couponOfDiscount, couponValid, getCoupon } from "./coupons";
import { couponIdOf, getPromotionCode, whyNotRedeemable } from "./promotion-codes";

/**
 * `discounts[i][coupon|promotion_code]`: undefined when absent, [] for `discounts=""` (Stripe's
 * "remove all"). `discounts[i][discount]` (reusing a discount) is not emulated, so refused.
 */
export function discountRefsParam(p: Params, key = "discounts"): DiscountRef[] | undefined {
  if (p[key] === "") return [];
  const raw = objArr(p, key);
  if (!raw) return undefined;
  return raw.map((d, i): DiscountRef => {
    if (d.discount !== undefined)
      throw invalid(
        `${key}[${i}][discount]`,
        "The local Stripe emulator does not support reusing a discount.",
      );
    const coupon = str(d, "coupon", `${key}[${i}][coupon]`);
    const code = str(d, "promotion_code", `${key}[${i}][promotion_code]`);
    if (coupon && code)
      throw invalid(
        `${key}[${i}]`,
        "You may only specify one of these parameters: coupon, promotion_code.",
      );
    if (coupon) return { coupon };
    if (code) return { promotion_code: code };
    throw missing(`${key}[${i}][coupon]`);
  });
}

export interface ResolvedDiscount {
  coupon: Stripe.Coupon;
  promotionCode: Stripe.PromotionCode | null;
}

/**
 * Checks every reference before anything is created (stricter than Stripe where unsure: unknown
 * ids are `resource_missing`, spent or expired coupons and codes are refused, a coupon twice too).
 */
export function resolveDiscountRefs(
  ctx: Ctx,
  refs: DiscountRef[],
  f: { customer: string | null; amount: number; currency: string; key?: string },
): ResolvedDiscount[] {
  const key = f.key ?? "discounts";
  const seen = new Set<string>();
  return refs.map((ref, i): ResolvedDiscount => {
    let out: ResolvedDiscount;
    let param: string;
    if ("coupon" in ref) {
      param = `${key}[${i}][coupon]`;
      const coupon = getCoupon(ctx, ref.coupon, param);
      if (!couponValid(ctx, coupon))
        throw invalid(param, `Coupon ${coupon.id} is no longer valid.`);
      if (coupon.amount_off !== null && amountOffIn(ctx, coupon, f.currency) === null)
        throw invalid(
          param,
          `The coupon ${coupon.id} has no amount_off in ${f.currency}: add a currency option.`,
        );
      out = { coupon, promotionCode: null };
    } else {
      param = `${key}[${i}][promotion_code]`;
      const pc = getPromotionCode(ctx, ref.promotion_code, param);
      const why = whyNotRedeemable(ctx, pc, f);
      if (why) throw invalid(param, `${why} (${pc.code})`);
      out = { coupon: getCoupon(ctx, couponIdOf(pc), param), promotionCode: pc };
    }
    if (seen.has(out.coupon.id))
      throw invalid(param, `The coupon ${out.coupon.id} is applied more than once.`);
    seen.add(out.coupon.id);
    return out;
  });
}

/** Creates the discounts (redeeming their coupons and codes); returns them in order. */
export function createDiscounts(
  ctx: Ctx,
  resolved: ResolvedDiscount[],
  f: { customer: string; subscription: string; checkoutSession?: string | null },
): Stripe.Discount[] {
  return resolved.map(({ coupon, promotionCode }) => {
    const end =
      coupon.duration === "repeating" && coupon.duration_in_months !== null
        ? addInterval(
            ctx.now,
            "month",
            coupon.duration_in_months,
            new Date(ctx.now * 1000).getUTCDate(),
          )
        : null;
    const d: Stripe.Discount = {
      id: newId("di"),
      object: "discount",
      checkout_session: f.checkoutSession ?? null,
      customer: f.customer,
      customer_account: null,
      end,
      invoice: null,
      invoice_item: null,
      promotion_code: promotionCode?.id ?? null,
      source: { coupon: coupon.id, type: "coupon" },
      start: ctx.now,
      subscription: f.subscription,
      subscription_item: null,
    };
    ctx.s.discounts[d.id] = d;
    coupon.times_redeemed += 1;
    coupon.valid = couponValid(ctx, coupon);
    if (promotionCode) promotionCode.times_redeemed += 1;
    return d;
  });
}

export function couponIdOfDiscount(d: Stripe.Discount): string {
  return idOf(d.source.coupon) ?? "";
}

/**
 * The subscription's discounts that apply to an invoice made now. A repeating discount past its
 * `end`, and a `once` discount already used on an invoice, leave the subscription here.
 */
export function takeSubscriptionDiscounts(
  ctx: Ctx,
  sub: Stripe.Subscription,
  usedOnce: readonly string[],
  at = ctx.now,
): Stripe.Discount[] {
  const live = liveDiscounts(ctx, sub, usedOnce, at);
  if (live.length !== sub.discounts.length) sub.discounts = live.map((d) => d.id);
  return live;
}

/** The discounts an invoice made at `at` would get (nothing changed: previews). */
export function liveDiscounts(
  ctx: Ctx,
  sub: Stripe.Subscription,
  usedOnce: readonly string[],
  at: number,
): Stripe.Discount[] {
  return sub.discounts.flatMap((ref) => {
    const d = ctx.s.discounts[idOf(ref)];
    if (!d || (d.end !== null && d.end <= at) || usedOnce.includes(d.id)) return [];
    return [d];
  });
}

/** `once` discounts that took something off `inv` (they apply to no later invoice). */
export function onceDiscountsUsed(ctx: Ctx, inv: Stripe.Invoice): string[] {
  return (inv.total_discount_amounts ?? []).flatMap((t) => {
    const id = idOf(t.discount);
    const d = ctx.s.discounts[id];
    const coupon = d ? couponOfDiscount(ctx, couponIdOfDiscount(d)) : undefined;
    return coupon?.duration === "once" && t.amount > 0 ? [id] : [];
  });
}

/** The coupons behind discounts, in order (a deleted coupon still counts). */
export function couponsOf(
  ctx: Ctx,
  discounts: readonly Stripe.Discount[],
): (Stripe.Coupon | undefined)[] {
  return discounts.map((d) => couponOfDiscount(ctx, couponIdOfDiscount(d)));
}

/**
 * What each coupon takes off each line, in order: a percentage of what is left of a line, or a
 * fixed amount spread over the discountable lines in proportion (never below zero).
 * `amounts[line][coupon]`.
 */
export function discountLines(
  ctx: Ctx,
  coupons: readonly (Stripe.Coupon | undefined)[],
  lines: readonly { amount: number; discountable: boolean }[],
  currency: string,
): number[][] {
  const left = lines.map((l) => (l.discountable ? Math.max(0, l.amount) : 0));
  const out = lines.map(() => coupons.map(() => 0));
  coupons.forEach((coupon, j) => {
    if (!coupon) return;
    const base = left.reduce((a, x) => a + x, 0);
    if (base <= 0) return;
    const off =
      coupon.percent_off !== null ? null : Math.min(base, amountOffIn(ctx, coupon, currency) ?? 0);
    let given = 0;
    const last = left.reduce((k, x, i) => (x > 0 ? i : k), -1);
    left.forEach((x, i) => {
      const row = out[i];
      if (x <= 0 || !row) return;
      const amount =
        off === null
          ? Math.round((x * (coupon.percent_off ?? 0)) / 100)
          : i === last
            ? off - given
            : Math.floor((off * x) / base);
      given += amount;
      row[j] = amount;
      left[i] = x - amount;
    });
  });
  return out;
}

/** The total of `lines` after the coupons (what would be due, before any credit balance). */
export function discountedTotal(
  ctx: Ctx,
  coupons: readonly (Stripe.Coupon | undefined)[],
  lines: readonly { amount: number; proration: boolean }[],
  currency: string,
): number {
  const off = discountLines(
    ctx,
    coupons,
    lines.map((l) => ({ amount: l.amount, discountable: !l.proration })),
    currency,
  );
  const subtotal = lines.reduce((a, l) => a + l.amount, 0);
  return subtotal - off.flat().reduce((a, x) => a + x, 0);
}
