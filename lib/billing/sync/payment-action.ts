import type Stripe from "stripe";

/**
 * The invoice list's expansion that shows whether a payment waits for the customer: since API
 * 2025-03-31 an invoice has no `payment_intent`; its `payments` (included only when expanded)
 * name the PaymentIntents, whose `requires_action` status means 3-D Secure is pending.
 */
export const INVOICE_PAYMENT_EXPAND = "data.payments.data.payment.payment_intent";

/** Open, and its payment is waiting for the customer to authenticate (3-D Secure). */
export function invoicePaymentNeedsAction(invoice: Stripe.Invoice): boolean {
  if (invoice.status !== "open") return false;
  return (invoice.payments?.data ?? []).some((payment) => {
    const intent = payment.payment.payment_intent;
    return typeof intent === "object" && intent !== null && intent.status === "requires_action";
  });
}
