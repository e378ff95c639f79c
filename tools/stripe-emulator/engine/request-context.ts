/** The per-request (or per-clock-step) context every resource action runs in. */
import type Stripe from "stripe";
import type { DunningSettings, Mode, ModeState } from "./store";

export type EventType = Stripe.Event.Type;
export type EventOf<T extends EventType> = Extract<Stripe.Event, { type: T }>;
export type EventObject<T extends EventType> = EventOf<T>["data"]["object"];

export interface Ctx {
  mode: Mode;
  s: ModeState;
  /**
   * The time objects are created and changed at: the emulator clock, or — once the action is
   * about a customer on a test clock (`atCustomerTime`) — that clock's `frozen_time`. Events
   * are stamped with the emulator clock either way (they are the account's, not the clock's).
   */
  now: number;
  /** This mode's failed-payment settings. */
  dunning: DunningSettings;
  /** Runs `task` later, outside this request (test clock advances are asynchronous). */
  later(task: (ctx: Ctx) => void): void;
  baseUrl: string;
  /** `request` on emitted events; null ids for portal/checkout/clock driven changes. */
  request: { id: string | null; idempotency_key: string | null };
  emit<T extends EventType>(
    type: T,
    object: EventObject<T>,
    previous?: Partial<EventObject<T>>,
  ): Stripe.Event;
}

/** Keys whose values differ (shallow, JSON compared): Stripe's `previous_attributes`. */
export function diff<T extends object>(before: T, after: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(before) as (keyof T)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = before[key];
  }
  return out;
}
