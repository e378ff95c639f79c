/**
 * A trial that ends without a payment method (`trial_settings.end_behavior.missing_payment_method`):
 * `cancel`, `pause` (Stripe's paused trial, status `paused`), or `create_invoice` (the default:
 * the renewal is invoiced and fails, lifecycle.ts). And `POST /v1/subscriptions/:id/resume`.
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { diff } from "../../engine/request-context";
import { badRequest, cardDeclined, invalid } from "../../http/errors";
import { obj, oneOf, type Params } from "../../http/params";
import { chargeOutcome } from "../invoices/payment";
import { atCustomerTime } from "../test-clocks";
import { cancelNow } from "./cancel";
import { invoicePeriod } from "./lifecycle";
import {
  customerIdOf,
  getSubscription,
  nextPeriodEnd,
  paymentMethodFor,
  setStatus,
} from "./subscriptions";

/**
 * At trial end with no card (the subscription's own or the customer's invoice default): cancels
 * or pauses per `trial_settings`, and returns true; false when the trial converts as usual.
 */
export function endTrialWithoutPaymentMethod(
  ctx: Ctx,
  sub: Stripe.Subscription,
  before: Stripe.Subscription,
): boolean {
  if (paymentMethodFor(ctx, sub)) return false;
  const behavior = sub.trial_settings?.end_behavior.missing_payment_method ?? "create_invoice";
  if (behavior === "cancel") {
    // No invoice: the subscription ends with its trial (customer.subscription.deleted).
    cancelNow(ctx, sub, "cancellation_requested");
    return true;
  }
  if (behavior === "pause") {
    // Stripe's paused trial: status `paused` (not pause_collection), no invoice, no new period.
    sub.trial_end = Math.min(sub.trial_end ?? ctx.now, ctx.now);
    setStatus(sub, "paused");
    sub.pause_collection = null;
    ctx.emit("customer.subscription.updated", structuredClone(sub), diff(before, sub));
    ctx.emit("customer.subscription.paused", structuredClone(sub), diff(before, sub));
    return true;
  }
  return false;
}

/**
 * Resumes a paused subscription: a new billing period from now (`billing_cycle_anchor[type]=now`,
 * the default and the only anchor emulated), invoiced and charged at once. Stricter than Stripe:
 * refused without a payment method (Stripe would make an invoice that cannot be paid), and with
 * `resume_on_payment_success` a declined card is a 402 that changes nothing.
 */
export function resumeSubscription(ctx: Ctx, id: string, p: Params): Stripe.Subscription {
  const sub = getSubscription(ctx, id);
  atCustomerTime(ctx, customerIdOf(sub));
  const anchor = obj(p, "billing_cycle_anchor");
  const anchorType = anchor
    ? oneOf(anchor, "type", ["now", "unchanged"] as const, "billing_cycle_anchor[type]")
    : "now";
  if (anchorType === "unchanged")
    throw invalid(
      "billing_cycle_anchor[type]",
      "The local Stripe emulator only resumes with billing_cycle_anchor[type]=now.",
    );
  const behavior =
    oneOf(p, "payment_behavior", [
      "resume_on_payment_attempt",
      "resume_on_payment_success",
    ] as const) ?? "resume_on_payment_attempt";
  if (sub.status !== "paused")
    throw badRequest(
      `Subscription ${sub.id} is not paused (status: ${sub.status}); only a paused subscription can be resumed.`,
    );
  const pm = paymentMethodFor(ctx, sub);
  if (!pm)
    throw badRequest(
      "This subscription cannot be resumed because the customer has no default payment method. Attach one and set it as the customer's or the subscription's default first.",
      undefined,
      "resource_missing",
    );
  const outcome = chargeOutcome(ctx, pm);
  if (behavior === "resume_on_payment_success" && !outcome.ok)
    throw cardDeclined(outcome.declineCode);
  const price = sub.items.data[0]?.price;
  if (!price) throw badRequest("This subscription has no items.");
  const before = structuredClone(sub);
  const period = { start: ctx.now, end: nextPeriodEnd(ctx.now, price, ctx.now) };
  for (const item of sub.items.data) {
    item.current_period_start = period.start;
    item.current_period_end = period.end;
  }
  sub.billing_cycle_anchor = period.start;
  invoicePeriod(ctx, sub, before, period, "subscription_cycle");
  ctx.emit("customer.subscription.resumed", structuredClone(sub), diff(before, sub));
  return sub;
}
