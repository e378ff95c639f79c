/** Charging an open invoice: the emulated issuer's answer for a card, and the events either way. */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { diff } from "../../engine/request-context";
import { recordPaymentAttempt } from "./payment-intents";
import { cardOf } from "../payment-methods";

export type ChargeResult =
  { ok: true } | { ok: false; declineCode: string; message: string; requiresAction: boolean };

/**
 * Whether charging this payment method would succeed (emulated issuer). A 3-D Secure card needs
 * action unless the customer has just authenticated this payment (`authenticated`).
 */
export function chargeOutcome(
  ctx: Ctx,
  pmId: string | null,
  opts: { authenticated?: boolean } = {},
): ChargeResult {
  if (!pmId) {
    return {
      ok: false,
      declineCode: "no_payment_method",
      message: "The customer has no attached payment source or default payment method.",
      requiresAction: false,
    };
  }
  const pm = ctx.s.paymentMethods[pmId];
  const card = pm ? cardOf(pm) : undefined;
  if (card?.fails === "authenticate" && !opts.authenticated) {
    return {
      ok: false,
      declineCode: card.declineCode,
      message: "This payment requires authentication by the customer (3-D Secure).",
      requiresAction: true,
    };
  }
  if (!pm || card?.fails === "charge" || card?.fails === "attach") {
    return {
      ok: false,
      declineCode: card?.declineCode ?? "generic_decline",
      message: "Your card was declined.",
      requiresAction: false,
    };
  }
  return { ok: true };
}

/**
 * Attempts payment of an open invoice. Emits invoice.paid + invoice.payment_succeeded, or
 * invoice.payment_failed (+ invoice.payment_action_required when the card needs 3-D Secure, as
 * Stripe sends both) + invoice.updated. Zero-amount invoices are paid without a card. The
 * invoice's PaymentIntent (`payments` when expanded) records the outcome.
 */
export function attemptInvoicePayment(
  ctx: Ctx,
  inv: Stripe.Invoice,
  pmId: string | null,
  nextAttempt: number | null,
  opts: { authenticated?: boolean } = {},
): ChargeResult {
  if (inv.status !== "open") return { ok: true };
  const outcome = inv.amount_due === 0 ? ({ ok: true } as const) : chargeOutcome(ctx, pmId, opts);
  const before = structuredClone(inv);
  if (inv.amount_due > 0) {
    inv.attempt_count += 1;
    inv.attempted = true;
    recordPaymentAttempt(
      ctx,
      inv,
      pmId,
      outcome.ok
        ? "succeeded"
        : outcome.requiresAction
          ? "requires_action"
          : "requires_payment_method",
      outcome.ok
        ? undefined
        : {
            code: outcome.requiresAction ? "authentication_required" : "card_declined",
            declineCode: outcome.declineCode,
            message: outcome.message,
          },
    );
  }
  if (outcome.ok) {
    inv.status = "paid";
    inv.amount_paid = inv.amount_due;
    inv.amount_remaining = 0;
    inv.next_payment_attempt = null;
    inv.attempted = true;
    inv.status_transitions.paid_at = ctx.now;
    ctx.emit("invoice.paid", structuredClone(inv), diff(before, inv));
    ctx.emit("invoice.payment_succeeded", structuredClone(inv), diff(before, inv));
  } else {
    inv.next_payment_attempt = nextAttempt;
    ctx.emit("invoice.payment_failed", structuredClone(inv), diff(before, inv));
    if (outcome.requiresAction) {
      ctx.emit("invoice.payment_action_required", structuredClone(inv), diff(before, inv));
    }
    ctx.emit("invoice.updated", structuredClone(inv), diff(before, inv));
  }
  return outcome;
}
