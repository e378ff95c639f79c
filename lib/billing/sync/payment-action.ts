import type Stripe from "stripe";
import { pacedStripeCall } from "@/lib/billing/sync/pace";

/**
 * The invoice list's expansion that names an invoice's payments: since API 2025-03-31 an invoice
 * has no `payment_intent`; its `payments` (included only when expanded) name the PaymentIntents,
 * whose `requires_action` status means 3-D Secure is pending. Stripe expands at most four levels
 * and on a list `data.` is one of them, so the intents themselves cannot come with the list
 * (`data.payments.data.payment.payment_intent` is five): see `withPaymentIntents`.
 */
export const INVOICE_PAYMENT_EXPAND = "data.payments";

/** Four levels from a single invoice: its payments with their PaymentIntents. */
export const INVOICE_PAYMENT_INTENT_EXPAND = "payments.data.payment.payment_intent";

/** Open with a payment: the only invoices whose PaymentIntent status can matter. */
function owesWithPayment(invoice: Stripe.Invoice): boolean {
  return invoice.status === "open" && (invoice.payments?.data.length ?? 0) > 0;
}

/**
 * The listed invoices, each open one that has a payment re-read with its PaymentIntents expanded:
 * one extra Stripe call only for an invoice something is owed on (usually none).
 */
export async function withPaymentIntents(
  stripe: Stripe,
  invoices: Stripe.Invoice[],
): Promise<Stripe.Invoice[]> {
  return Promise.all(
    invoices.map((invoice) => {
      const id = invoice.id;
      if (!id || !owesWithPayment(invoice)) return invoice;
      return pacedStripeCall(() =>
        stripe.invoices.retrieve(id, { expand: [INVOICE_PAYMENT_INTENT_EXPAND] }),
      );
    }),
  );
}

/** Open, and its payment is waiting for the customer to authenticate (3-D Secure). */
export function invoicePaymentNeedsAction(invoice: Stripe.Invoice): boolean {
  if (invoice.status !== "open") return false;
  return (invoice.payments?.data ?? []).some((payment) => {
    const intent = payment.payment.payment_intent;
    return typeof intent === "object" && intent !== null && intent.status === "requires_action";
  });
}
