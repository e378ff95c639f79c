/** Invoices: built for subscriptions, finalized, charged on the default card. */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { diff } from "../../engine/request-context";
import { badRequest, noSuch } from "../../http/errors";
import { paginate, embeddedList } from "../../http/list";
import { oneOf, str, type Params } from "../../http/params";
import { newId, newestFirst, clockOfCustomer } from "../../engine/store";
import { idOf } from "../../http/expand";
import { couponsOf, discountLines } from "../discounts";

export interface LineInput {
  description: string;
  amount: number;
  quantity: number;
  priceId: string | null;
  productId: string | null;
  period: { start: number; end: number };
  proration: boolean;
  subscriptionItem: string | null;
}

function lineFactory(
  ctx: Ctx,
  invoiceId: string,
  subscription: string | null,
  l: LineInput,
  currency: string,
  /** What each of the invoice's discounts takes off this line (same order as `discounts`). */
  off: { discounts: readonly Stripe.Discount[]; amounts: readonly number[] },
): Stripe.InvoiceLineItem {
  const applied = off.discounts.flatMap((d, j) => {
    const amount = off.amounts[j] ?? 0;
    return amount > 0 ? [{ amount, discount: d.id }] : [];
  });
  return {
    id: newId("il"),
    object: "line_item",
    amount: l.amount,
    currency,
    description: l.description,
    discount_amounts: applied,
    discountable: !l.proration,
    discounts: applied.map((a) => a.discount),
    invoice: invoiceId,
    livemode: ctx.mode === "live",
    metadata: {},
    parent: subscription
      ? {
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: null,
            proration: l.proration,
            proration_details: { credited_items: null },
            subscription,
            subscription_item: l.subscriptionItem ?? "",
          },
          type: "subscription_item_details",
        }
      : null,
    period: { start: l.period.start, end: l.period.end },
    pretax_credit_amounts: [],
    pricing: l.priceId
      ? {
          price_details: { price: l.priceId, product: l.productId ?? "" },
          type: "price_details",
          unit_amount_decimal: null,
        }
      : null,
    quantity: l.quantity,
    quantity_decimal: null,
    subscription,
    subtotal: l.amount,
    taxes: [],
  };
}

export function invoiceFactory(
  ctx: Ctx,
  f: {
    customer: Stripe.Customer;
    subscription: string | null;
    billingReason: Stripe.Invoice.BillingReason;
    currency: string;
    lines: LineInput[];
    periodStart: number;
    periodEnd: number;
    /** Pre-allocated id, so a subscription can reference its first invoice in its created event. */
    id?: string;
    /** The subscription's discounts that apply (they never touch proration lines here). */
    discounts?: readonly Stripe.Discount[];
  },
): Stripe.Invoice {
  const id = f.id ?? newId("in");
  const discounts = f.discounts ?? [];
  const off = discountLines(
    ctx,
    couponsOf(ctx, discounts),
    f.lines.map((l) => ({ amount: l.amount, discountable: !l.proration })),
    f.currency,
  );
  const lines = f.lines.map((l, i) =>
    lineFactory(ctx, id, f.subscription, l, f.currency, { discounts, amounts: off[i] ?? [] }),
  );
  const subtotal = lines.reduce((a, l) => a + l.amount, 0);
  const totalDiscounts = discounts.map((d, j) => ({
    amount: off.reduce((a, row) => a + (row[j] ?? 0), 0),
    discount: d.id,
  }));
  const total = subtotal - totalDiscounts.reduce((a, t) => a + t.amount, 0);
  return {
    id,
    object: "invoice",
    account_country: "US",
    account_name: "Local Stripe emulator",
    account_tax_ids: null,
    amount_due: Math.max(0, total),
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: Math.max(0, total),
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: {
      disabled_reason: null,
      enabled: false,
      liability: null,
      provider: null,
      status: null,
    },
    automatically_finalizes_at: null,
    billing_reason: f.billingReason,
    collection_method: "charge_automatically",
    created: ctx.now,
    currency: f.currency,
    custom_fields: null,
    customer: f.customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: f.customer.email,
    customer_name: f.customer.name ?? null,
    customer_phone: f.customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: "none",
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: discounts.map((d) => d.id),
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    lines: embeddedList(lines, `/v1/invoices/${id}/lines`),
    livemode: ctx.mode === "live",
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: f.subscription
      ? {
          quote_details: null,
          subscription_details: { metadata: {}, subscription: f.subscription },
          type: "subscription_details",
        }
      : null,
    payment_settings: {
      default_mandate: null,
      payment_method_options: null,
      payment_method_types: null,
    },
    period_end: f.periodEnd,
    period_start: f.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: "draft",
    status_transitions: {
      finalized_at: null,
      marked_uncollectible_at: null,
      paid_at: null,
      voided_at: null,
    },
    subtotal,
    subtotal_excluding_tax: subtotal,
    test_clock: clockOfCustomer(ctx.s, f.customer.id),
    total,
    total_discount_amounts: totalDiscounts,
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
}

export function getInvoice(ctx: Ctx, id: string, param = "id"): Stripe.Invoice {
  const inv = ctx.s.invoices[id];
  if (!inv) throw noSuch("invoice", id, param);
  return inv;
}

/** Stores a draft invoice, applies customer credit, finalizes it (invoice.created + finalized). */
export function createFinalizedInvoice(
  ctx: Ctx,
  f: Parameters<typeof invoiceFactory>[1],
): Stripe.Invoice {
  const inv = invoiceFactory(ctx, f);
  ctx.s.invoices[inv.id] = inv;
  ctx.emit("invoice.created", structuredClone(inv));
  const customer = f.customer;
  inv.starting_balance = customer.balance;
  let balance = customer.balance;
  if (inv.total < 0) {
    // A net credit (downgrade proration) goes to the customer's credit balance.
    balance += inv.total;
  } else if (balance < 0) {
    const applied = Math.min(-balance, inv.total);
    balance += applied;
    inv.amount_due = inv.total - applied;
    inv.amount_remaining = inv.amount_due;
  }
  inv.ending_balance = balance;
  if (balance !== customer.balance) {
    const before = structuredClone(customer);
    customer.balance = balance;
    ctx.emit("customer.updated", structuredClone(customer), diff(before, customer));
  }
  // Stripe's default numbering is per customer: the prefix, then the customer's own sequence.
  const sequence = customer.next_invoice_sequence ?? 1;
  inv.number = `${customer.invoice_prefix ?? "EMU"}-${String(sequence).padStart(4, "0")}`;
  customer.next_invoice_sequence = sequence + 1;
  inv.status = "open";
  inv.status_transitions.finalized_at = ctx.now;
  inv.effective_at = ctx.now;
  inv.hosted_invoice_url = `${ctx.baseUrl}/i/${inv.id}`;
  inv.invoice_pdf = `${ctx.baseUrl}/i/${inv.id}/pdf`;
  ctx.emit("invoice.finalized", structuredClone(inv));
  return inv;
}

export function voidInvoice(ctx: Ctx, inv: Stripe.Invoice): Stripe.Invoice {
  if (inv.status !== "open" && inv.status !== "uncollectible") {
    throw badRequest(`You can only void open invoices; this invoice is ${inv.status}.`);
  }
  const before = structuredClone(inv);
  inv.status = "void";
  inv.next_payment_attempt = null;
  inv.status_transitions.voided_at = ctx.now;
  ctx.emit("invoice.voided", structuredClone(inv), diff(before, inv));
  ctx.emit("invoice.updated", structuredClone(inv), diff(before, inv));
  return inv;
}

export function markUncollectible(ctx: Ctx, inv: Stripe.Invoice): Stripe.Invoice {
  if (inv.status !== "open") throw badRequest("You can only mark open invoices as uncollectible.");
  const before = structuredClone(inv);
  inv.status = "uncollectible";
  inv.next_payment_attempt = null;
  inv.status_transitions.marked_uncollectible_at = ctx.now;
  ctx.emit("invoice.marked_uncollectible", structuredClone(inv), diff(before, inv));
  return inv;
}

export function invoiceSubscriptionId(inv: Stripe.Invoice): string | null {
  const sub = inv.parent?.subscription_details?.subscription;
  if (!sub) return null;
  return idOf(sub);
}

export function listInvoices(ctx: Ctx, p: Params): Stripe.ApiList<Stripe.Invoice> {
  const customer = str(p, "customer");
  const subscription = str(p, "subscription");
  const status = oneOf(p, "status", ["draft", "open", "paid", "void", "uncollectible"] as const);
  const all = newestFirst(ctx.s.invoices).filter(
    (inv) =>
      (!customer || inv.customer === customer) &&
      (!subscription || invoiceSubscriptionId(inv) === subscription) &&
      (!status || inv.status === status),
  );
  return paginate(all, p, "/v1/invoices");
}
