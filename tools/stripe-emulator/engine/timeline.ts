/**
 * Processing of time-driven steps (renewals, trial ends, retries, scheduled cancels, schedule
 * phases, Checkout expiry) for one timeline: the emulator clock (customers without a test clock,
 * both modes) or one test clock (its customers only).
 */
import type Stripe from "stripe";
import type { Ctx } from "./request-context";
import { expireCheckoutSession } from "../resources/checkout/sessions";
import { nextDue, processDue, type DueKind } from "../resources/subscriptions/lifecycle";
import type { Mode, ModeState } from "./store";
import { emitUpcomingInvoices } from "../resources/invoices/upcoming";
import { idOf } from "../http/expand";
import { clockOfCustomer } from "./store";

export interface Timeline {
  modes: readonly Mode[];
  /** null: the emulator clock's customers (those without a test clock). */
  clockId: string | null;
  /** A context at `at`, for one step. */
  ctxAt(mode: Mode, at: number): Ctx;
  /** The timeline's current time. */
  now(): number;
}

/** Runs every step due up to `target` in time order; returns how many were processed. */
export function runTimeline(t: Timeline, state: (mode: Mode) => ModeState, target: number): number {
  let processed = 0;
  for (let guard = 0; guard < 100000; guard++) {
    let best: { at: number; mode: Mode; sub: Stripe.Subscription; kind: DueKind } | null = null;
    for (const mode of t.modes) {
      const s = state(mode);
      const probe = t.ctxAt(mode, t.now());
      for (const sub of Object.values(s.subscriptions)) {
        if (clockOfCustomer(s, idOf(sub.customer)) !== t.clockId) continue;
        const due = nextDue(probe, sub);
        if (due && due.at <= target && (!best || due.at < best.at)) {
          best = { at: due.at, mode, sub, kind: due.kind };
        }
      }
    }
    // Renewal notices due before this step (not counted as steps).
    emitUpcomingInvoices(t, state, best?.at ?? target);
    if (!best) break;
    const ctx = t.ctxAt(best.mode, Math.max(best.at, t.now()));
    const due = nextDue(ctx, best.sub);
    if (!due) continue;
    processDue(ctx, best.sub, due.kind);
    processed += 1;
  }
  // Open Checkout Sessions past expires_at expire (checkout.session.expired).
  for (const mode of t.modes) {
    const s = state(mode);
    const ctx = t.ctxAt(mode, Math.max(target, t.now()));
    for (const session of Object.values(s.checkoutSessions)) {
      if (clockOfCustomer(s, idOf(session.customer)) !== t.clockId) continue;
      if (session.status === "open" && session.expires_at <= ctx.now) {
        expireCheckoutSession(ctx, session.id);
        processed += 1;
      }
    }
  }
  return processed;
}
