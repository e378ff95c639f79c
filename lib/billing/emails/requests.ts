import type Stripe from "stripe";
import type { BillingEmailKind } from "@/lib/env";

/**
 * lib/billing/emails/: the billing emails. requests.ts says which Stripe events ask for which
 * email (recorded with the event, in the ledger's own statement: sync/queue.ts); send.ts sends
 * them from the drain once the customer's sync is done; compose.ts decides, from the synced
 * records, whether each is still true and what it says. Imported by sync/ and app/ only.
 */

/** One email an event asks for: its kind and the invoice or subscription it is about. */
export type BillingEmailRequest = { kind: BillingEmailKind; subjectId: string };

/**
 * The email a verified event asks for, or null. Only ids and the signed payload's change flags
 * are read; what the email says comes from the synced records when it is sent, so an email that
 * is no longer true by then (an invoice paid meanwhile) is skipped, whatever order events came in.
 */
export function billingEmailRequestFor(event: Stripe.Event): BillingEmailRequest | null {
  switch (event.type) {
    case "invoice.payment_failed":
      return { kind: "payment_failed", subjectId: event.data.object.id ?? "" };
    case "invoice.payment_action_required":
      return { kind: "payment_action_required", subjectId: event.data.object.id ?? "" };
    case "invoice.paid":
      // Sent only when this invoice's failure was emailed before (compose.ts).
      return { kind: "payment_recovered", subjectId: event.data.object.id ?? "" };
    case "customer.subscription.trial_will_end":
      return { kind: "trial_will_end", subjectId: event.data.object.id };
    case "customer.subscription.deleted":
      return { kind: "subscription_ended", subjectId: event.data.object.id };
    case "customer.subscription.updated": {
      const sub = event.data.object;
      const before = event.data.previous_attributes ?? {};
      const scheduledNow = sub.cancel_at_period_end || sub.cancel_at !== null;
      const wasNot =
        ("cancel_at_period_end" in before && before.cancel_at_period_end === false) ||
        ("cancel_at" in before && before.cancel_at === null);
      return scheduledNow && wasNot ? { kind: "cancellation_scheduled", subjectId: sub.id } : null;
    }
    default:
      return null;
  }
}
