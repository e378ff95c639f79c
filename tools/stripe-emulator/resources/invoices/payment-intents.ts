/**
 * The PaymentIntent behind each invoice's default payment, as API 2026-10-28 exposes it: the
 * invoice's includable `payments` list (`expand[]=payments`), each with `payment.payment_intent`.
 * It is what tells an app that a payment needs 3-D Secure (`status: "requires_action"`).
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { embeddedList } from "../../http/list";
import { newId, randomToken } from "../../engine/store";
import { idOf } from "../../http/expand";

export type PaymentIntentStatus = Extract<
  Stripe.PaymentIntent.Status,
  "requires_payment_method" | "requires_action" | "succeeded" | "canceled"
>;

function paymentIntentFactory(ctx: Ctx, inv: Stripe.Invoice): Stripe.PaymentIntent {
  const id = newId("pi");
  return {
    id,
    object: "payment_intent",
    allowed_payment_method_types: null,
    amount: inv.amount_due,
    amount_capturable: 0,
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic",
    client_secret: `${id}_secret_${randomToken(24)}`,
    confirmation_method: "automatic",
    created: ctx.now,
    currency: inv.currency,
    customer: idOf(inv.customer),
    customer_account: null,
    description: "Subscription update",
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: ctx.mode === "live",
    managed_payments: null,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ["card"],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: "requires_payment_method",
    transfer_group: null,
  };
}

/** The invoice's default payment, created with its PaymentIntent on first use. */
function defaultPayment(
  ctx: Ctx,
  inv: Stripe.Invoice,
): { payment: Stripe.InvoicePayment; pi: Stripe.PaymentIntent } {
  const existing = ctx.s.invoicePayments[inv.id];
  const existingPi = existing
    ? ctx.s.paymentIntents[String(existing.payment.payment_intent)]
    : null;
  if (existing && existingPi) return { payment: existing, pi: existingPi };
  const pi = paymentIntentFactory(ctx, inv);
  const payment: Stripe.InvoicePayment = {
    id: newId("inpay"),
    object: "invoice_payment",
    amount_paid: null,
    amount_requested: inv.amount_due,
    created: ctx.now,
    currency: inv.currency,
    invoice: inv.id,
    is_default: true,
    livemode: ctx.mode === "live",
    payment: { payment_intent: pi.id, type: "payment_intent" },
    status: "open",
    status_transitions: { canceled_at: null, paid_at: null },
  };
  ctx.s.paymentIntents[pi.id] = pi;
  ctx.s.invoicePayments[inv.id] = payment;
  return { payment, pi };
}

/** Records the outcome of a payment attempt on the invoice's PaymentIntent. */
export function recordPaymentAttempt(
  ctx: Ctx,
  inv: Stripe.Invoice,
  pmId: string | null,
  status: PaymentIntentStatus,
  error?: { code: string; declineCode?: string; message: string },
): void {
  const { payment, pi } = defaultPayment(ctx, inv);
  pi.status = status;
  pi.amount = inv.amount_due;
  pi.payment_method = pmId;
  pi.next_action =
    status === "requires_action"
      ? {
          type: "use_stripe_sdk",
          use_stripe_sdk: { type: "three_d_secure_redirect", stripe_js: inv.hosted_invoice_url },
        }
      : null;
  pi.last_payment_error = error
    ? {
        code: error.code,
        decline_code: error.declineCode,
        message: error.message,
        type: "card_error",
      }
    : null;
  if (status === "succeeded") {
    pi.amount_received = inv.amount_due;
    payment.status = "paid";
    payment.amount_paid = inv.amount_due;
    payment.status_transitions.paid_at = ctx.now;
  } else if (status === "canceled") {
    pi.canceled_at = ctx.now;
    payment.status = "canceled";
    payment.status_transitions.canceled_at = ctx.now;
  }
}

/** Whether the invoice's payment waits for the customer's 3-D Secure authentication. */
export function paymentNeedsAction(ctx: Ctx, inv: Stripe.Invoice): boolean {
  const payment = ctx.s.invoicePayments[inv.id];
  const pi = payment ? ctx.s.paymentIntents[String(payment.payment.payment_intent)] : undefined;
  return inv.status === "open" && pi?.status === "requires_action";
}

/** The payment's card, for completing its authentication. */
export function paymentMethodOfPayment(ctx: Ctx, inv: Stripe.Invoice): string | null {
  const payment = ctx.s.invoicePayments[inv.id];
  const pi = payment ? ctx.s.paymentIntents[String(payment.payment.payment_intent)] : undefined;
  const pm = pi?.payment_method;
  return pm ? idOf(pm) : null;
}

/** The includable `payments` list of an invoice (empty until a payment exists). */
export function invoicePaymentsList(
  ctx: Ctx,
  inv: Stripe.Invoice,
): Stripe.ApiList<Stripe.InvoicePayment> {
  const payment = ctx.s.invoicePayments[inv.id];
  return embeddedList(
    payment ? [structuredClone(payment)] : [],
    `/v1/invoice_payments?invoice=${inv.id}`,
  );
}

/**
 * A copy of a response with `payments` on its invoices when an expand path asks for it
 * (`payments…` on an invoice, `data.payments…` on a list): Stripe includes it only then.
 */
export function withInvoicePayments(ctx: Ctx, body: unknown, expand: readonly string[]): unknown {
  const direct = expand.some((p) => p === "payments" || p.startsWith("payments."));
  const listed = expand.some((p) => p === "data.payments" || p.startsWith("data.payments."));
  if (!direct && !listed) return body;
  const add = (value: unknown): unknown => {
    if (typeof value !== "object" || value === null) return value;
    const record = value as { object?: unknown; id?: unknown };
    const inv = typeof record.id === "string" ? ctx.s.invoices[record.id] : undefined;
    if (record.object !== "invoice" || !inv) return value;
    return { ...record, payments: invoicePaymentsList(ctx, inv) };
  };
  const top = body as { object?: unknown; data?: unknown };
  if (listed && top.object === "list" && Array.isArray(top.data)) {
    return { ...top, data: top.data.map(add) };
  }
  return direct ? add(body) : body;
}
