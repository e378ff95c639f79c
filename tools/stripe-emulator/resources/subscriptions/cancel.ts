/** Cancelling a subscription: now or at period end, with the portal's feedback reasons. */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { diff } from "../../engine/request-context";
import { badRequest } from "../../http/errors";
import { allowOnly, bool, obj, oneOf, str, type Params } from "../../http/params";
import { getCustomer } from "../customers";
import { invoiceSubscriptionId } from "../invoices/invoices";
import { attemptInvoicePayment } from "../invoices/payment";
import {
  assertCancelable,
  getSchedule,
  markCanceled,
  onSubscriptionCanceled,
} from "../subscription-schedules";
import { atCustomerTime } from "../test-clocks";
import { getSubscription, customerIdOf, isLive } from "./subscriptions";
import { invoiceChangeNow, prorationLines } from "./prorations";
import { idOf } from "../../http/expand";

export const FEEDBACK = [
  "customer_service",
  "low_quality",
  "missing_features",
  "other",
  "switched_service",
  "too_complex",
  "too_expensive",
  "unused",
] as const;

/** Immediate cancel (API DELETE, portal "immediately", end of a scheduled cancel, failed dunning). */
export function cancelNow(
  ctx: Ctx,
  sub: Stripe.Subscription,
  reason: Stripe.Subscription.CancellationDetails.Reason,
  opts: {
    invoiceNow?: boolean;
    prorate?: boolean;
    feedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
    comment?: string | null;
  } = {},
): Stripe.Subscription {
  if (!isLive(sub)) {
    throw badRequest(
      `No such subscription: '${sub.id}'. It has already been canceled.`,
      undefined,
      "resource_missing",
    );
  }
  atCustomerTime(ctx, customerIdOf(sub));
  const before = structuredClone(sub);
  sub.status = "canceled";
  sub.canceled_at = sub.cancel_at !== null && sub.canceled_at !== null ? sub.canceled_at : ctx.now;
  sub.ended_at = ctx.now;
  sub.cancellation_details = {
    comment: opts.comment ?? sub.cancellation_details?.comment ?? null,
    feedback: opts.feedback ?? sub.cancellation_details?.feedback ?? null,
    feedback_option: null,
    reason,
  };
  // Open invoices of the subscription stop being collected.
  for (const inv of Object.values(ctx.s.invoices)) {
    if (
      invoiceSubscriptionId(inv) === sub.id &&
      inv.status === "open" &&
      inv.next_payment_attempt !== null
    ) {
      const b = structuredClone(inv);
      inv.next_payment_attempt = null;
      ctx.emit("invoice.updated", structuredClone(inv), diff(b, inv));
    }
  }
  ctx.emit("customer.subscription.deleted", structuredClone(sub), diff(before, sub));
  onSubscriptionCanceled(ctx, sub, reason === "payment_failed");
  if (opts.prorate && opts.invoiceNow) {
    const lines = sub.items.data.flatMap((item) => {
      const credit = prorationLines(ctx, sub, item, item.price, 0);
      return credit.slice(0, 1);
    });
    if (lines.length) {
      const customer = getCustomer(ctx, customerIdOf(sub));
      const inv = invoiceChangeNow(ctx, sub, customer, lines);
      attemptInvoicePayment(ctx, inv, null, null);
    }
  }
  return sub;
}

export function cancelSubscription(ctx: Ctx, id: string, p: Params): Stripe.Subscription {
  allowOnly(p, ["invoice_now", "prorate", "cancellation_details"]);
  const sub = getSubscription(ctx, id);
  const cd = obj(p, "cancellation_details");
  return cancelNow(ctx, sub, "cancellation_requested", {
    invoiceNow: bool(p, "invoice_now"),
    prorate: bool(p, "prorate"),
    comment: cd ? str(cd, "comment") || null : null,
    feedback: cd ? (oneOf(cd, "feedback", FEEDBACK) ?? null) : null,
  });
}

/**
 * `POST /v1/subscription_schedules/:id/cancel`: cancels the schedule and, if it manages a live
 * subscription, that subscription immediately (`invoice_now`/`prorate`, default true like
 * Stripe). Emits customer.subscription.deleted then subscription_schedule.canceled.
 */
export function cancelScheduleById(ctx: Ctx, id: string, p: Params): Stripe.SubscriptionSchedule {
  allowOnly(p, ["invoice_now", "prorate"]);
  const sched = getSchedule(ctx, id);
  assertCancelable(sched);
  const subId = idOf(sched.subscription);
  const sub = subId ? ctx.s.subscriptions[subId] : undefined;
  if (sub && isLive(sub)) {
    cancelNow(ctx, sub, "cancellation_requested", {
      invoiceNow: bool(p, "invoice_now") ?? true,
      prorate: bool(p, "prorate") ?? true,
    });
    return sched;
  }
  return markCanceled(ctx, sched);
}
