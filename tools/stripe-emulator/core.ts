/** The emulator's state machine: contexts, events, delivery targets, clock processing. */
import type Stripe from "stripe";
import { ApiFaultGate } from "./api-faults";
import { Clock } from "./clock";
import type { Ctx, EventObject, EventType } from "./context";
import { Deliverer, type Target } from "./delivery";
import { eventFactory } from "./events";
import { IdempotencyStore } from "./http/idempotency";
import { expireCheckoutSession } from "./resources/checkout";
import { endpointMatches } from "./resources/webhook-endpoints";
import { RequestLog } from "./request-stats";
import { nextDue, processDue } from "./resources/subscriptions";
import { emptyMode, Persistence, type Mode, type State } from "./store";

export interface CoreOptions {
  stateFile?: string;
  forward?: { url: string; secret: string };
  log: (line: string) => void;
  retryDelaysMs: number[];
  timeoutMs: number;
}

export class EmulatorCore {
  state: State;
  readonly clock: Clock;
  readonly deliverer: Deliverer;
  readonly idempotency = new IdempotencyStore();
  /** Delay/stall/rate-limit faults on `/v1/*` requests. */
  readonly apiFaults = new ApiFaultGate();
  /** Counts of `/v1/*` requests. */
  readonly requests = new RequestLog();
  readonly persistence: Persistence;
  baseUrl = "http://localhost";

  constructor(readonly opts: CoreOptions) {
    this.persistence = new Persistence(opts.stateFile, () => this.snapshot());
    this.state = this.persistence.load();
    this.clock = new Clock(this.state.clockOffset);
    this.deliverer = new Deliverer({
      retryDelaysMs: opts.retryDelaysMs,
      timeoutMs: opts.timeoutMs,
      log: opts.log,
      onDelivered: (event, target, ok) => this.onDelivered(event, target, ok),
    });
  }

  private snapshot(): State {
    this.state.clockOffset = this.clock.offset;
    return this.state;
  }

  changed(): void {
    this.persistence.schedule();
  }

  ctx(mode: Mode, request: { id: string | null; idempotency_key: string | null }): Ctx {
    const s = this.state.modes[mode];
    const ctx: Ctx = {
      mode,
      s,
      now: this.clock.now(),
      baseUrl: this.baseUrl,
      request,
      // Arrow function: `this` is the core (no aliasing), `ctx.now` is read at emit time.
      emit: <T extends EventType>(
        type: T,
        object: EventObject<T>,
        previous?: Partial<EventObject<T>>,
      ): Stripe.Event => {
        const targets = this.targetsFor(mode, type);
        const event = eventFactory(
          mode,
          ctx.now,
          type,
          object,
          previous,
          request,
          targets.filter((t) => t.endpointId !== null).length,
        );
        s.events[event.id] = event;
        this.opts.log(`event ${event.id} ${type} (${mode})`);
        this.deliverer.enqueue(event, targets);
        this.changed();
        return event;
      },
    };
    return ctx;
  }

  targetsFor(mode: Mode, type: string, onlyEndpoint?: string): Target[] {
    const targets: Target[] = [];
    for (const e of Object.values(this.state.modes[mode].webhookEndpoints)) {
      if (onlyEndpoint && e.id !== onlyEndpoint) continue;
      if (endpointMatches(e, type) && e.secret) {
        targets.push({ url: e.url, secret: e.secret, endpointId: e.id });
      }
    }
    // Like `stripe listen --forward-to`: every event, signed with the forward secret.
    if (this.opts.forward && !onlyEndpoint) {
      targets.push({
        url: this.opts.forward.url,
        secret: this.opts.forward.secret,
        endpointId: null,
      });
    }
    return targets;
  }

  private onDelivered(event: Stripe.Event, target: Target, ok: boolean): void {
    if (!ok || target.endpointId === null) return;
    const stored = this.state.modes[event.livemode ? "live" : "test"].events[event.id];
    if (stored && stored.pending_webhooks > 0) {
      stored.pending_webhooks -= 1;
      this.changed();
    }
  }

  redeliver(mode: Mode, eventId: string, endpointId?: string): number {
    const event = this.state.modes[mode].events[eventId];
    if (!event) return -1;
    const targets = this.targetsFor(mode, event.type, endpointId);
    this.deliverer.enqueue(event, targets);
    return targets.length;
  }

  /**
   * Moves the clock to `target`, processing every due lifecycle step in time order so renewals,
   * trial ends and payment retries happen at the right simulated instants.
   */
  advanceTo(target: number): { processed: number; now: number } {
    let processed = 0;
    for (let guard = 0; guard < 100000; guard++) {
      let best: { at: number; mode: Mode; sub: Stripe.Subscription; kind: string } | null = null;
      for (const mode of ["test", "live"] as const) {
        const probe = this.ctx(mode, { id: null, idempotency_key: null });
        for (const sub of Object.values(this.state.modes[mode].subscriptions)) {
          const due = nextDue(probe, sub);
          if (due && due.at <= target && (!best || due.at < best.at)) {
            best = { at: due.at, mode, sub, kind: due.kind };
          }
        }
      }
      if (!best) break;
      if (best.at > this.clock.now()) this.clock.setNow(best.at);
      const ctx = this.ctx(best.mode, { id: null, idempotency_key: null });
      const due = nextDue(ctx, best.sub);
      if (!due) continue;
      processDue(ctx, best.sub, due.kind);
      processed += 1;
    }
    if (target > this.clock.now()) this.clock.setNow(target);
    // Open Checkout Sessions past expires_at expire (checkout.session.expired).
    for (const mode of ["test", "live"] as const) {
      const ctx = this.ctx(mode, { id: null, idempotency_key: null });
      for (const session of Object.values(this.state.modes[mode].checkoutSessions)) {
        if (session.status === "open" && session.expires_at <= ctx.now) {
          expireCheckoutSession(ctx, session.id);
          processed += 1;
        }
      }
    }
    this.changed();
    return { processed, now: this.clock.now() };
  }

  reset(mode?: Mode): void {
    if (mode) this.state.modes[mode] = emptyMode();
    else {
      this.state.modes = { test: emptyMode(), live: emptyMode() };
      this.clock.setNow(Math.floor(Date.now() / 1000));
    }
    this.idempotency.clear(mode);
    this.deliverer.reset();
    this.apiFaults.clear();
    this.requests.reset();
    this.changed();
  }
}
