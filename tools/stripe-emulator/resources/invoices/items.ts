/**
 * Pending invoice items: a `create_prorations` change leaves its proration lines as invoice
 * items for the next invoice, and Stripe sends `invoiceitem.created` for each. The emulator keeps
 * the lines in the subscription's queue (no /v1/invoiceitems API); this emits the events.
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { newId, clockOfCustomer } from "../../engine/store";
import { idOf } from "../../http/expand";

export interface PendingLine {
  description: string;
  amount: number;
  priceId: string;
  quantity: number;
}

export function emitPendingInvoiceItems(
  ctx: Ctx,
  sub: Stripe.Subscription,
  lines: readonly PendingLine[],
): void {
  const customer = idOf(sub.customer);
  for (const l of lines) {
    const price = l.priceId ? ctx.s.prices[l.priceId] : undefined;
    const item: Stripe.InvoiceItem = {
      id: newId("ii"),
      object: "invoiceitem",
      amount: l.amount,
      currency: sub.currency,
      customer,
      customer_account: null,
      date: ctx.now,
      description: l.description,
      discountable: false,
      discounts: [],
      invoice: null,
      livemode: ctx.mode === "live",
      metadata: {},
      net_amount: l.amount,
      parent: { subscription_details: { subscription: sub.id }, type: "subscription_details" },
      period: { end: ctx.now, start: ctx.now },
      pricing: price
        ? {
            price_details: {
              price: price.id,
              product: idOf(price.product),
            },
            type: "price_details",
            unit_amount_decimal: null,
          }
        : null,
      proration: true,
      proration_details: { credited_items: null, discount_amounts: [] },
      quantity: l.quantity,
      // A Decimal travels as its string; the stored state is plain JSON.
      quantity_decimal: String(l.quantity) as unknown as Stripe.Decimal,
      tax_rates: [],
      test_clock: clockOfCustomer(ctx.s, customer),
    };
    ctx.emit("invoiceitem.created", item);
  }
}
