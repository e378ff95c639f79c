/**
 * The customer's side of a payment that needs 3-D Secure: the hosted invoice page's "Complete
 * authentication" / "Fail authentication" (Stripe's test authentication page does the same).
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { diff } from "../../engine/request-context";
import { invoiceSubscriptionId } from "./invoices";
import { attemptInvoicePayment } from "./payment";
import {
  paymentMethodOfPayment,
  paymentNeedsAction,
  recordPaymentAttempt,
} from "./payment-intents";
import { internalOf } from "../subscriptions/subscriptions";

export type AuthenticationOutcome = "complete" | "fail";

/** Stripe's message when the customer fails (or abandons) 3-D Secure. */
export const AUTHENTICATION_FAILED =
  "We are unable to authenticate your payment method. Please choose a different payment method and try again.";

/**
 * Completes or fails the authentication an open invoice waits for. Completing pays it with the
 * card that asked for it (invoice.paid, invoice.payment_succeeded) and reactivates its
 * subscription (customer.subscription.updated); failing leaves it open (invoice.payment_failed,
 * invoice.updated), its PaymentIntent back at `requires_payment_method`. False when the invoice
 * needs no authentication.
 */
export function authenticateInvoicePayment(
  ctx: Ctx,
  inv: Stripe.Invoice,
  outcome: AuthenticationOutcome,
): boolean {
  if (!paymentNeedsAction(ctx, inv)) return false;
  const pmId = paymentMethodOfPayment(ctx, inv);
  if (outcome === "fail") {
    const before = structuredClone(inv);
    recordPaymentAttempt(ctx, inv, pmId, "requires_payment_method", {
      code: "payment_intent_authentication_failure",
      message: AUTHENTICATION_FAILED,
    });
    ctx.emit("invoice.payment_failed", structuredClone(inv), diff(before, inv));
    ctx.emit("invoice.updated", structuredClone(inv), diff(before, inv));
    return true;
  }
  const subId = invoiceSubscriptionId(inv);
  const sub = subId ? ctx.s.subscriptions[subId] : undefined;
  const result = attemptInvoicePayment(ctx, inv, pmId, null, { authenticated: true });
  if (result.ok && sub) activateAfterPayment(ctx, sub);
  return true;
}

/** A paid invoice ends `past_due` / `incomplete` / `unpaid`, as Stripe does. */
function activateAfterPayment(ctx: Ctx, sub: Stripe.Subscription): void {
  if (sub.status !== "past_due" && sub.status !== "incomplete" && sub.status !== "unpaid") return;
  const before = structuredClone(sub);
  internalOf(ctx, sub.id).failedAttempts = 0;
  sub.status = "active";
  ctx.emit("customer.subscription.updated", structuredClone(sub), diff(before, sub));
}
