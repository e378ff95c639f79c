/**
 * What a Checkout Session offers besides its prices: adjustable quantities, discounts and
 * promotion codes, and whether a card is collected; the session's amounts and its line items.
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { badRequest, invalid, missing } from "../../http/errors";
import { bool, int, obj, type Params } from "../../http/params";
import { newId, type AdjustableQuantity, type ModeState } from "../../engine/store";
import { couponOfDiscount } from "../coupons";
import { couponIdOf } from "../promotion-codes";
import { discountLines } from "../discounts";
import { getPrice, unitAmountIn } from "../prices";

type Internal = ModeState["checkoutInternal"][string];

/** Stripe's limits: 0 ≤ minimum ≤ quantity ≤ maximum ≤ 999 999 (default 0..99). */
export const MAX_ADJUSTABLE_QUANTITY = 999_999;

/** `line_items[i][adjustable_quantity]`, checked against the line's `quantity`. */
export function adjustableParam(
  it: Params,
  i: number,
  quantity: number,
): AdjustableQuantity | null {
  const key = `line_items[${i}][adjustable_quantity]`;
  const aq = obj(it, "adjustable_quantity", key);
  if (!aq) return null;
  const enabled = bool(aq, "enabled", `${key}[enabled]`);
  if (enabled === undefined) throw missing(`${key}[enabled]`);
  const minimum = int(aq, "minimum", `${key}[minimum]`) ?? 0;
  const maximum = int(aq, "maximum", `${key}[maximum]`) ?? 99;
  if (minimum < 0) throw invalid(`${key}[minimum]`, "minimum must be at least 0.");
  if (maximum > MAX_ADJUSTABLE_QUANTITY)
    throw invalid(`${key}[maximum]`, `maximum must be at most ${MAX_ADJUSTABLE_QUANTITY}.`);
  if (maximum < minimum)
    throw invalid(`${key}[maximum]`, "maximum must be greater than or equal to minimum.");
  if (enabled && (quantity < minimum || quantity > maximum))
    throw invalid(
      `line_items[${i}][quantity]`,
      `quantity must be between adjustable_quantity minimum (${minimum}) and maximum (${maximum}).`,
    );
  return { enabled, minimum, maximum };
}

/**
 * The range the hosted page accepts for line `i`, or null when its quantity is fixed. With a
 * single line its quantity cannot go down to 0 (Stripe: the cart would be empty).
 */
export function quantityRange(internal: Internal, i: number): { min: number; max: number } | null {
  const aq = internal.adjustable?.[i];
  if (!aq?.enabled) return null;
  return {
    min: internal.lines.length === 1 ? Math.max(1, aq.minimum) : aq.minimum,
    max: aq.maximum,
  };
}

/** Refuses `discounts` with `allow_promotion_codes`, as Stripe does. */
export function checkDiscountChoice(p: Params): void {
  if (bool(p, "allow_promotion_codes") && p.discounts !== undefined && p.discounts !== "")
    throw badRequest(
      "You may only specify one of these parameters: allow_promotion_codes, discounts.",
      "discounts",
    );
}

/** The coupons the session's discounts name (already checked when they were added). */
export function sessionCoupons(ctx: Ctx, internal: Internal): (Stripe.Coupon | undefined)[] {
  return (internal.discounts ?? []).map((ref) => {
    if ("coupon" in ref) return couponOfDiscount(ctx, ref.coupon);
    const pc = ctx.s.promotionCodes[ref.promotion_code];
    return pc ? couponOfDiscount(ctx, couponIdOf(pc)) : undefined;
  });
}

function lineAmounts(ctx: Ctx, internal: Internal, currency: string): number[] {
  return internal.lines.map(
    (l) => unitAmountIn(ctx, getPrice(ctx, l.price), currency) * l.quantity,
  );
}

/** What each line gets off (`[line]`), from the session's discounts. */
function lineDiscounts(ctx: Ctx, internal: Internal, currency: string): number[] {
  const amounts = lineAmounts(ctx, internal, currency);
  const off = discountLines(
    ctx,
    sessionCoupons(ctx, internal),
    amounts.map((amount) => ({ amount, discountable: true })),
    currency,
  );
  return off.map((row) => row.reduce((a, x) => a + x, 0));
}

/**
 * Sets the session's amounts from its lines and discounts: `amount_subtotal`, `amount_total`
 * (what is due today: 0 during a trial) and `total_details.amount_discount`.
 */
export function priceSession(ctx: Ctx, session: Stripe.Checkout.Session, internal: Internal): void {
  const currency = internal.currency ?? session.currency ?? "usd";
  const subtotal = lineAmounts(ctx, internal, currency).reduce((a, x) => a + x, 0);
  const discount = lineDiscounts(ctx, internal, currency).reduce((a, x) => a + x, 0);
  const trial = Boolean(internal.trialDays);
  session.amount_subtotal = trial ? 0 : subtotal;
  session.amount_total = trial ? 0 : subtotal - discount;
  session.total_details = {
    amount_discount: trial ? 0 : discount,
    amount_shipping: 0,
    amount_tax: 0,
  };
  session.discounts = (internal.discounts ?? []).map((ref) => {
    if ("coupon" in ref) return { coupon: ref.coupon, promotion_code: null };
    const pc = ctx.s.promotionCodes[ref.promotion_code];
    return { coupon: pc ? couponIdOf(pc) : null, promotion_code: ref.promotion_code };
  });
}

/** Whether the hosted page collects no card: `payment_method_collection=if_required`, 0 due. */
export function collectsNoCard(session: Stripe.Checkout.Session): boolean {
  return session.payment_method_collection === "if_required" && (session.amount_total ?? 0) === 0;
}

export function lineItems(
  ctx: Ctx,
  session: Stripe.Checkout.Session,
  internal: Internal,
): Stripe.ApiList<Stripe.LineItem> {
  const currency = internal.currency ?? session.currency ?? "usd";
  const off = lineDiscounts(ctx, internal, currency);
  const data = internal.lines.map((l, i): Stripe.LineItem => {
    const price = getPrice(ctx, l.price);
    const amount = unitAmountIn(ctx, price, currency) * l.quantity;
    const aq = internal.adjustable?.[i];
    return {
      id: newId("li"),
      object: "item",
      adjustable_quantity: aq
        ? { enabled: aq.enabled, maximum: aq.maximum, minimum: aq.minimum }
        : null,
      amount_discount: off[i] ?? 0,
      amount_subtotal: amount,
      amount_tax: 0,
      amount_total: amount - (off[i] ?? 0),
      currency,
      description: price.nickname,
      metadata: {},
      price: structuredClone(price),
      quantity: l.quantity,
    };
  });
  return {
    object: "list",
    data,
    has_more: false,
    url: `/v1/checkout/sessions/${session.id}/line_items`,
  };
}
