/**
 * `POST /v1/subscriptions/:id`: the API's params turned into an applySubscriptionUpdate input
 * (update.ts), with the refusals Stripe makes before anything changes.
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { diff } from "../../engine/request-context";
import { badRequest, invalid } from "../../http/errors";
import {
  allowOnly,
  applyMetadata,
  bool,
  int,
  obj,
  objArr,
  oneOf,
  str,
  type Params,
} from "../../http/params";
import { unitAmountIn } from "../prices";
import { attachedSchedule } from "../subscription-schedules";
import { atCustomerTime } from "../test-clocks";
import { discountRefsParam, resolveDiscountRefs } from "../discounts";
import { customerIdOf, getSubscription, isLive, periodOf } from "./subscriptions";
import { FEEDBACK } from "./cancel";
import { applySubscriptionUpdate } from "./update";

export function updateSubscription(ctx: Ctx, id: string, p: Params): Stripe.Subscription {
  allowOnly(p, [
    "items",
    "proration_behavior",
    "cancel_at_period_end",
    "cancel_at",
    "metadata",
    "default_payment_method",
    "description",
    "cancellation_details",
    "trial_end",
    "payment_behavior",
    "proration_date",
    "billing_cycle_anchor",
    "discounts",
  ]);
  const sub = getSubscription(ctx, id);
  atCustomerTime(ctx, customerIdOf(sub));
  const refs = discountRefsParam(p);
  const discounts = refs && resolveDiscountRefs(ctx, refs, discountContext(ctx, sub));
  const items = objArr(p, "items")?.map((it, i) => ({
    itemId: str(it, "id", `items[${i}][id]`) ?? null,
    price: str(it, "price", `items[${i}][price]`) ?? null,
    quantity: int(it, "quantity", `items[${i}][quantity]`) ?? null,
    deleted: bool(it, "deleted", `items[${i}][deleted]`) ?? false,
  }));
  const cancelAtRaw = str(p, "cancel_at");
  let cancelAt: number | null | undefined;
  if (cancelAtRaw === "") cancelAt = null;
  else if (cancelAtRaw === "min_period_end" || cancelAtRaw === "max_period_end")
    cancelAt = periodOf(sub).end;
  else if (cancelAtRaw !== undefined) {
    cancelAt = Number(cancelAtRaw);
    if (!Number.isInteger(cancelAt)) throw invalid("cancel_at");
  }
  const cd = obj(p, "cancellation_details");
  if (!isLive(sub)) {
    // Stripe allows only metadata/cancellation_details on canceled subscriptions.
    const before = structuredClone(sub);
    sub.metadata = applyMetadata(sub.metadata, p);
    const changes = diff(before, sub);
    if (Object.keys(changes).length)
      ctx.emit("customer.subscription.updated", structuredClone(sub), changes);
    if (items || cancelAtRaw !== undefined || p.cancel_at_period_end !== undefined) {
      throw badRequest(
        "A canceled subscription can only update its cancellation_details and metadata.",
      );
    }
    return sub;
  }
  const managing = attachedSchedule(ctx, sub);
  if (managing && (p.cancel_at_period_end !== undefined || cancelAtRaw !== undefined)) {
    // Stripe's refusal, whatever the value (also `false` / `""`). Item changes are accepted (the
    // next phase of the schedule replaces them), like Stripe does.
    throw badRequest(
      `The subscription is managed by the subscription schedule \`${managing.id}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`,
    );
  }
  return applySubscriptionUpdate(ctx, sub, {
    items,
    prorationBehavior: oneOf(p, "proration_behavior", [
      "none",
      "create_prorations",
      "always_invoice",
    ] as const),
    cancelAtPeriodEnd: bool(p, "cancel_at_period_end"),
    cancelAt,
    metadata: p.metadata !== undefined ? applyMetadata(sub.metadata, p) : undefined,
    defaultPaymentMethod:
      p.default_payment_method !== undefined ? str(p, "default_payment_method") || null : undefined,
    description: p.description !== undefined ? str(p, "description") || null : undefined,
    cancellationDetails: cd
      ? {
          comment: str(cd, "comment", "cancellation_details[comment]") || null,
          feedback: oneOf(cd, "feedback", FEEDBACK, "cancellation_details[feedback]") ?? null,
        }
      : undefined,
    trialEndNow: str(p, "trial_end") === "now",
    discounts,
  });
}

/** What a promotion code's restrictions are judged on: the subscription's customer and a period. */
function discountContext(
  ctx: Ctx,
  sub: Stripe.Subscription,
): { customer: string; amount: number; currency: string } {
  const amount = sub.items.data.reduce(
    (a, i) => a + unitAmountIn(ctx, i.price, sub.currency) * (i.quantity ?? 1),
    0,
  );
  return { customer: customerIdOf(sub), amount, currency: sub.currency };
}
