/**
 * Subscription schedules: the object, retrieve/list, release, and the state changes the
 * subscription lifecycle drives (created by the portal for period-end plan changes, moved from
 * phase to phase by the clock, released at the end, canceled with their subscription).
 *
 * This module never imports `subscriptions.ts`: the subscription side (items, invoices) calls
 * into it, not the other way round.
 */
import type Stripe from "stripe";
import type { Ctx } from "../engine/request-context";
import { diff } from "../engine/request-context";
import { badRequest, noSuch } from "../http/errors";
import { idOf } from "../http/expand";
import { paginate } from "../http/list";
import { allowOnly, bool, int, obj, str, type Params } from "../http/params";
import { newId, newestFirst } from "../engine/store";

export type Schedule = Stripe.SubscriptionSchedule;
export type PhaseItemInput = { price: string; quantity: number };

export function phaseItem(input: PhaseItemInput): Stripe.SubscriptionSchedule.Phase.Item {
  return {
    billing_thresholds: null,
    discounts: [],
    metadata: {},
    plan: input.price,
    price: input.price,
    quantity: input.quantity,
    tax_rates: [],
  };
}

export function phaseFactory(f: {
  start: number;
  end: number;
  currency: string;
  items: PhaseItemInput[];
  prorationBehavior: Stripe.SubscriptionSchedule.Phase.ProrationBehavior;
}): Stripe.SubscriptionSchedule.Phase {
  return {
    add_invoice_items: [],
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: null,
    billing_thresholds: null,
    collection_method: null,
    currency: f.currency,
    default_payment_method: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    end_date: f.end,
    invoice_settings: null,
    items: f.items.map(phaseItem),
    metadata: {},
    on_behalf_of: null,
    proration_behavior: f.prorationBehavior,
    start_date: f.start,
    transfer_data: null,
    trial_end: null,
  };
}

/**
 * A schedule that manages `sub` (as `from_subscription` would make it) with the given phases.
 * Status `active`, `end_behavior: "release"`, the current phase being the first.
 */
export function scheduleFactory(
  ctx: Ctx,
  sub: Stripe.Subscription,
  phases: Stripe.SubscriptionSchedule.Phase[],
): Schedule {
  const first = phases[0];
  return {
    id: newId("sub_sched"),
    object: "subscription_schedule",
    application: null,
    billing_mode: {
      flexible: sub.billing_mode.flexible ? { ...sub.billing_mode.flexible } : null,
      type: sub.billing_mode.type,
    },
    canceled_at: null,
    completed_at: null,
    created: ctx.now,
    current_phase: first ? { start_date: first.start_date, end_date: first.end_date } : null,
    customer: idOf(sub.customer),
    customer_account: null,
    default_settings: {
      application_fee_percent: null,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null },
      billing_cycle_anchor: "automatic",
      billing_thresholds: null,
      collection_method: "charge_automatically",
      default_payment_method: idOf(sub.default_payment_method),
      description: null,
      invoice_settings: {
        account_tax_ids: null,
        custom_fields: null,
        days_until_due: null,
        description: null,
        footer: null,
        issuer: { type: "self" },
      },
      on_behalf_of: null,
      transfer_data: null,
    },
    end_behavior: "release",
    livemode: ctx.mode === "live",
    metadata: {},
    pause_schedules: [],
    phases,
    released_at: null,
    released_subscription: null,
    status: "active",
    subscription: sub.id,
    test_clock: sub.test_clock,
  };
}

export function getSchedule(ctx: Ctx, id: string, param = "id"): Schedule {
  const s = ctx.s.subscriptionSchedules[id];
  if (!s) throw noSuch("subscription_schedule", id, param);
  return s;
}

/** The schedule managing `sub`, if it is still `not_started` or `active`. */
export function attachedSchedule(ctx: Ctx, sub: Stripe.Subscription): Schedule | null {
  const id = idOf(sub.schedule);
  const sched = id ? ctx.s.subscriptionSchedules[id] : undefined;
  return sched && (sched.status === "active" || sched.status === "not_started") ? sched : null;
}

/** The phase after the current one, or null when the current phase is the last. */
export function nextPhase(sched: Schedule): Stripe.SubscriptionSchedule.Phase | null {
  const current = sched.current_phase;
  if (!current) return null;
  return sched.phases.find((ph) => ph.start_date >= current.end_date) ?? null;
}

function assertReleasable(sched: Schedule, action: "release" | "cancel"): void {
  if (sched.status !== "active" && sched.status !== "not_started") {
    throw badRequest(
      `You cannot ${action} a subscription schedule that is currently in the \`${sched.status}\` status. It must be in one of the following statuses: \`not_started\`, \`active\`.`,
    );
  }
}

/**
 * Creates a schedule for `sub`, attaches it (`subscription.schedule`) and emits
 * subscription_schedule.created then customer.subscription.updated (`schedule` set).
 */
export function attachSchedule(
  ctx: Ctx,
  sub: Stripe.Subscription,
  phases: Stripe.SubscriptionSchedule.Phase[],
): Schedule {
  const sched = scheduleFactory(ctx, sub, phases);
  ctx.s.subscriptionSchedules[sched.id] = sched;
  ctx.emit("subscription_schedule.created", structuredClone(sched));
  const before = structuredClone(sub);
  sub.schedule = sched.id;
  ctx.emit("customer.subscription.updated", structuredClone(sub), diff(before, sub));
  return sched;
}

/**
 * Releases the schedule (Stripe's `release`): status `released`, `released_at`,
 * `released_subscription`; the subscription keeps its current items and loses `schedule`.
 * Emits subscription_schedule.released, then customer.subscription.updated (schedule: null)
 * unless `emitSubscription` is false (the caller folds that change into its own event).
 */
export function releaseSchedule(
  ctx: Ctx,
  sched: Schedule,
  opts: { emitSubscription?: boolean } = {},
): Schedule {
  assertReleasable(sched, "release");
  const subId = idOf(sched.subscription);
  const sub = subId ? ctx.s.subscriptions[subId] : undefined;
  sched.status = "released";
  sched.released_at = ctx.now;
  sched.released_subscription = subId;
  sched.subscription = null;
  sched.current_phase = null;
  ctx.emit("subscription_schedule.released", structuredClone(sched));
  if (sub && idOf(sub.schedule) === sched.id) {
    const before = structuredClone(sub);
    sub.schedule = null;
    if (opts.emitSubscription !== false)
      ctx.emit("customer.subscription.updated", structuredClone(sub), diff(before, sub));
  }
  return sched;
}

/**
 * The subscription a schedule manages was canceled (API, portal, dunning, customer deleted):
 * the schedule ends as `canceled` — `subscription_schedule.aborted` when dunning canceled it
 * (Stripe: "canceled due to the underlying subscription being canceled because of
 * delinquency"), `subscription_schedule.canceled` otherwise. `subscription` stays set.
 */
export function onSubscriptionCanceled(
  ctx: Ctx,
  sub: Stripe.Subscription,
  delinquent: boolean,
): void {
  const sched = attachedSchedule(ctx, sub);
  if (!sched) return;
  sched.status = "canceled";
  sched.canceled_at = ctx.now;
  sched.current_phase = null;
  ctx.emit(
    delinquent ? "subscription_schedule.aborted" : "subscription_schedule.canceled",
    structuredClone(sched),
  );
}

/**
 * Moves an active schedule to its next phase (the subscription side applies the items).
 * Emits subscription_schedule.updated with the previous `current_phase`.
 */
export function enterNextPhase(ctx: Ctx, sched: Schedule): void {
  const next = nextPhase(sched);
  if (!next) return;
  const before = structuredClone(sched);
  sched.current_phase = { start_date: next.start_date, end_date: next.end_date };
  ctx.emit("subscription_schedule.updated", structuredClone(sched), diff(before, sched));
}

export function releaseScheduleById(ctx: Ctx, id: string, p: Params): Schedule {
  allowOnly(p, ["preserve_cancel_date"]);
  // preserve_cancel_date: the schedules made here never set a cancel date, so nothing to keep.
  bool(p, "preserve_cancel_date");
  return releaseSchedule(ctx, getSchedule(ctx, id));
}

export function assertCancelable(sched: Schedule): void {
  assertReleasable(sched, "cancel");
}

/** Cancels a schedule whose subscription is already gone (or never started). */
export function markCanceled(ctx: Ctx, sched: Schedule): Schedule {
  sched.status = "canceled";
  sched.canceled_at = ctx.now;
  sched.current_phase = null;
  ctx.emit("subscription_schedule.canceled", structuredClone(sched));
  return sched;
}

function inRange(value: number | null, p: Params, key: string): boolean {
  const exact = typeof p[key] === "string" ? int(p, key) : undefined;
  const range = obj(p, key);
  if (exact === undefined && !range) return true;
  if (value === null) return false;
  if (exact !== undefined) return value === exact;
  const gt = range ? int(range, "gt", `${key}[gt]`) : undefined;
  const gte = range ? int(range, "gte", `${key}[gte]`) : undefined;
  const lt = range ? int(range, "lt", `${key}[lt]`) : undefined;
  const lte = range ? int(range, "lte", `${key}[lte]`) : undefined;
  return (
    (gt === undefined || value > gt) &&
    (gte === undefined || value >= gte) &&
    (lt === undefined || value < lt) &&
    (lte === undefined || value <= lte)
  );
}

export function listSchedules(ctx: Ctx, p: Params): Stripe.ApiList<Schedule> {
  const customer = str(p, "customer");
  const scheduled = bool(p, "scheduled");
  const all = newestFirst(ctx.s.subscriptionSchedules).filter(
    (s) =>
      (!customer || s.customer === customer) &&
      (scheduled === undefined || (s.status === "not_started") === scheduled) &&
      inRange(s.created, p, "created") &&
      inRange(s.canceled_at, p, "canceled_at") &&
      inRange(s.completed_at, p, "completed_at") &&
      inRange(s.released_at, p, "released_at"),
  );
  return paginate(all, p, "/v1/subscription_schedules");
}
