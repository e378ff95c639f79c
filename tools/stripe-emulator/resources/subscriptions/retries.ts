/**
 * Collecting an open subscription invoice again: dunning retries on the account's schedule, the
 * final action after the last one, and paying at once after a new card or `invoices.pay`.
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { diff } from "../../engine/request-context";
import { attemptInvoicePayment } from "../invoices/payment";
import { atCustomerTime } from "../test-clocks";
import { internalOf, customerIdOf, paymentMethodFor, setStatus } from "./subscriptions";
import { cancelNow } from "./cancel";
import { nextRetryAt } from "./dunning";

/** Every retry failed: the account's final action (Stripe's "Subscription status" setting). */
export function afterLastRetry(ctx: Ctx, sub: Stripe.Subscription): void {
  if (ctx.dunning.finalAction === "cancel") {
    cancelNow(ctx, sub, "payment_failed");
  } else if (ctx.dunning.finalAction === "unpaid" && sub.status !== "unpaid") {
    // The invoice stays open (no further attempts); paying it makes the subscription active.
    const before = structuredClone(sub);
    setStatus(sub, "unpaid");
    ctx.emit("customer.subscription.updated", structuredClone(sub), diff(before, sub));
  }
  // "past_due": left as it is, the invoice open with no next attempt.
}

/** After a new card: pay the subscription's open invoice right away (portal behaviour). */
export function retryOpenInvoice(
  ctx: Ctx,
  sub: Stripe.Subscription,
  invoice?: Stripe.Invoice,
  /** `invoices.pay({payment_method})`: this card instead of the subscription's or customer's. */
  paymentMethod?: string,
): void {
  atCustomerTime(ctx, customerIdOf(sub));
  // `invoices.pay` names its invoice, which need not be the latest (an `unpaid` subscription
  // keeps invoicing renewals while older ones stay open).
  const inv =
    invoice ??
    (typeof sub.latest_invoice === "string" ? ctx.s.invoices[sub.latest_invoice] : undefined);
  if (!inv || inv.status !== "open") return;
  const before = structuredClone(sub);
  const result = attemptInvoicePayment(
    ctx,
    inv,
    paymentMethod ?? paymentMethodFor(ctx, sub),
    inv.next_payment_attempt,
  );
  if (
    result.ok &&
    (sub.status === "past_due" || sub.status === "incomplete" || sub.status === "unpaid")
  ) {
    internalOf(ctx, sub.id).failedAttempts = 0;
    setStatus(sub, "active");
    ctx.emit("customer.subscription.updated", structuredClone(sub), diff(before, sub));
  }
}

/** A dunning retry is due: the latest invoice is charged again. */
export function retryDue(ctx: Ctx, sub: Stripe.Subscription, before: Stripe.Subscription): void {
  const internal = internalOf(ctx, sub.id);
  const inv =
    typeof sub.latest_invoice === "string" ? ctx.s.invoices[sub.latest_invoice] : undefined;
  if (!inv) return;
  // This is attempt failedAttempts + 1; the next one follows the account's schedule.
  const retryAt = nextRetryAt(ctx.dunning, internal.failedAttempts + 1, ctx.now);
  const result = attemptInvoicePayment(ctx, inv, paymentMethodFor(ctx, sub), retryAt);
  if (result.ok) {
    internal.failedAttempts = 0;
    if (sub.status !== "active") {
      setStatus(sub, "active");
      ctx.emit("customer.subscription.updated", structuredClone(sub), diff(before, sub));
    }
  } else {
    internal.failedAttempts += 1;
    if (retryAt === null) afterLastRetry(ctx, sub);
  }
}
