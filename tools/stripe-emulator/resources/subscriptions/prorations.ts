/**
 * What a plan change costs: proration lines (unused time credited, the rest charged) and the
 * portal's preview of a change; `proration_behavior` decides elsewhere whether they are invoiced.
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { createFinalizedInvoice, type LineInput } from "../invoices/invoices";
import { unitAmountIn } from "../prices";
import { intervalKey } from "./subscriptions";
import { idOf } from "../../http/expand";

/** Proration lines for swapping an item's price now (credit unused time, charge the rest). */
export function prorationLines(
  ctx: Ctx,
  sub: Stripe.Subscription,
  item: Stripe.SubscriptionItem,
  newPrice: Stripe.Price,
  newQuantity: number,
): LineInput[] {
  const { start, end } = { start: item.current_period_start, end: item.current_period_end };
  if (sub.status === "trialing" || end <= ctx.now) return [];
  const fraction = Math.max(0, Math.min(1, (end - ctx.now) / Math.max(1, end - start)));
  const oldQty = item.quantity ?? 1;
  const credit = -Math.round(unitAmountIn(ctx, item.price, sub.currency) * oldQty * fraction);
  const charge = Math.round(
    unitAmountIn(ctx, newPrice, sub.currency, "items") * newQuantity * fraction,
  );
  const period = { start: ctx.now, end };
  const productOf = (p: Stripe.Price): string => idOf(p.product);
  return [
    {
      description: `Unused time on ${oldQty} × ${item.price.nickname ?? item.price.id}`,
      amount: credit,
      quantity: oldQty,
      priceId: item.price.id,
      productId: productOf(item.price),
      period,
      proration: true,
      subscriptionItem: item.id,
    },
    {
      description: `Remaining time on ${newQuantity} × ${newPrice.nickname ?? newPrice.id}`,
      amount: charge,
      quantity: newQuantity,
      priceId: newPrice.id,
      productId: productOf(newPrice),
      period,
      proration: true,
      subscriptionItem: item.id,
    },
  ];
}

/**
 * What a price/quantity change of one item would cost (the portal's confirmation page): the
 * proration lines, or — for another billing interval — the unused-time credit plus the new
 * period, which Stripe invoices at once whatever the proration behavior.
 */
export function previewUpdate(
  ctx: Ctx,
  sub: Stripe.Subscription,
  item: Stripe.SubscriptionItem,
  newPrice: Stripe.Price,
  quantity: number,
  behavior: Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.ProrationBehavior,
): { total: number; invoicedNow: boolean } {
  const reset = sub.status !== "trialing" && intervalKey(newPrice) !== intervalKey(item.price);
  const prorated = behavior === "none" ? [] : prorationLines(ctx, sub, item, newPrice, quantity);
  const lines = reset
    ? [...prorated.slice(0, 1), { amount: unitAmountIn(ctx, newPrice, sub.currency) * quantity }]
    : prorated;
  return {
    total: lines.reduce((a, l) => a + l.amount, 0),
    invoicedNow: reset || behavior === "always_invoice",
  };
}

/** The `subscription_update` invoice of a change made now (`id`: allocated in advance). */
export function invoiceChangeNow(
  ctx: Ctx,
  sub: Stripe.Subscription,
  customer: Stripe.Customer,
  lines: LineInput[],
  id?: string,
  discounts?: readonly Stripe.Discount[],
): Stripe.Invoice {
  return createFinalizedInvoice(ctx, {
    discounts,
    id,
    customer,
    subscription: sub.id,
    billingReason: "subscription_update",
    currency: sub.currency,
    lines,
    periodStart: ctx.now,
    periodEnd: ctx.now,
  });
}
