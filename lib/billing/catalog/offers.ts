import { z } from "zod";
import {
  FEATURE_LABELS,
  PLAN_KEYS,
  PLANS,
  type Plan,
  type SeatLimits,
  type TrialTerms,
} from "@/lib/billing/catalog/plans";

/**
 * Pure rules of what the catalog offers a customer: the trial they may have, the seats they may
 * pick, and the lines a plan card lists. Checkout (sessions/checkout.ts), the billing page and the
 * pricing page all ask here, so they can never disagree.
 */

/** The paid plans, in catalog order (what the plan cards and the pricing page list). */
export function paidPlans(): Plan[] {
  return PLAN_KEYS.map((key) => PLANS[key]).filter((plan) => Object.keys(plan.prices).length > 0);
}

/** A subscription the customer had, as Stripe or our records know it. */
export type SubscriptionHistoryEntry = { status: string };

/**
 * The trial a customer may start on `plan`: only on their first subscription. Any earlier
 * subscription counts (a trial, a paid plan, one canceled since: cancel-and-return gets no second
 * trial), except one that never started (`incomplete_expired`: its first payment never went
 * through, so nothing was used).
 */
export function trialOffer(
  plan: Plan,
  history: readonly SubscriptionHistoryEntry[],
): TrialTerms | null {
  if (!plan.trial) return null;
  return history.some((sub) => sub.status !== "incomplete_expired") ? null : plan.trial;
}

/** The seat range of a plan: per-seat plans have their catalog range, every other plan 1. */
export function seatLimits(plan: Plan): SeatLimits {
  return plan.perSeat && plan.seats ? plan.seats : { min: 1, max: 1 };
}

export type SeatChoice = { ok: true; seats: number } | { ok: false; message: string };

/**
 * The number of seats a form asked for, within the plan's range. Absent means the smallest; a
 * plan without seats accepts only 1 (or nothing).
 */
export function parseSeats(plan: Plan, raw: unknown): SeatChoice {
  const { min, max } = seatLimits(plan);
  if (raw === undefined || raw === null || raw === "") return { ok: true, seats: min };
  const parsed = z.coerce
    .number({ message: "Enter a number of seats." })
    .int("Enter a whole number of seats.")
    .min(min, `${plan.name} needs at least ${min} ${min === 1 ? "seat" : "seats"}.`)
    .max(max, `${plan.name} has at most ${max} ${max === 1 ? "seat" : "seats"}.`)
    .safeParse(raw);
  return parsed.success
    ? { ok: true, seats: parsed.data }
    : { ok: false, message: parsed.error.issues[0]?.message ?? "Enter a number of seats." };
}

/**
 * What a plan card lists: the features it grants (the same list entitlements read) and its
 * limits, per seat where they scale with seats.
 */
export function planFeatureLines(plan: Plan): string[] {
  const perSeat = plan.perSeat ? " per seat" : "";
  const keys = plan.limits.apiKeys;
  return [
    ...plan.features.map((feature) => FEATURE_LABELS[feature]),
    keys > 0 ? `Up to ${keys} API ${keys === 1 ? "key" : "keys"}${perSeat}` : null,
  ].filter((line): line is string => line !== null);
}

/** "14-day free trial, no card required", for the plan cards and the Checkout confirmation. */
export function trialText(trial: TrialTerms): string {
  return `${trial.days}-day free trial${trial.cardUpFront ? "" : ", no card required"}`;
}
