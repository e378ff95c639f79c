/**
 * The emulator instance: state, clock, webhook delivery, API faults and the request log, and
 * what runs across them (request contexts, events, clock processing, reset).
 */
import type Stripe from "stripe";
import { ApiFaultGate } from "../api/faults";
import { Clock } from "./clock";
import type { Ctx, EventObject, EventType } from "./request-context";
import { Deliverer, type Target } from "../webhooks/delivery";
import type { DeliveryMode } from "../webhooks/delivery-mode";
import { eventFactory } from "../webhooks/events";
import { IdempotencyStore } from "../http/idempotency";
import { endpointMatches } from "../resources/webhook-endpoints";
import { RequestLog } from "./request-stats";
import { emptyMode, Persistence, type DunningSettings, type Mode, type State } from "./store";
import { runTimeline } from "./timeline";

/** Like `stripe listen --forward-to`; `apiVersion`: what forwarded events are rendered at. */
export type ForwardTarget = {
  url: string;
  secret: string;
  apiVersion?: string;
  /**
   * Deliveries wait until `releaseForwarding()` (then go out in order), as if the listener
   * connected then: `npm run dev` starts the emulator before the app listens.
   */
  held?: boolean;
};

export interface CoreOptions {
  stateFile?: string;
  /** What forwarded events are rendered at defaults to the account's version. */
  forward?: ForwardTarget;
  log: (line: string) => void;
  retryDelaysMs: number[];
  /** Ordered or shuffled webhook delivery (delivery-mode.ts). */
  delivery?: Partial<DeliveryMode>;
  /** The account's default API version: events of endpoints without `api_version` use it. */
  accountApiVersion: string;
  timeoutMs: number;
  /** Failed-payment settings each mode starts with (and returns to on reset). */
  dunning: Record<Mode, DunningSettings>;
  /** How long a test clock stays `advancing` before its steps run, ms. */
  testClockAdvanceMs: number;
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
  /** Work scheduled by `ctx.later` (test clock advances) that has not finished yet. */
  private readonly pendingTasks = new Set<Promise<void>>();

  constructor(readonly opts: CoreOptions) {
    this.persistence = new Persistence(opts.stateFile, () => this.snapshot());
    this.state = this.persistence.load();
    this.clock = new Clock(this.state.clockOffset);
    this.deliverer = new Deliverer({
      retryDelaysMs: opts.retryDelaysMs,
      mode: opts.delivery,
      timeoutMs: opts.timeoutMs,
      log: opts.log,
      onDelivered: (event, target, ok) => this.onDelivered(event, target, ok),
    });
    if (opts.forward?.held) this.deliverer.holdFor(opts.forward.url);
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
      dunning: s.dunning ?? this.opts.dunning[mode],
      request,
      later: (task) => this.later(mode, task),
      // Arrow function: `this` is the core (no aliasing), `ctx.now` is read at emit time.
      emit: <T extends EventType>(
        type: T,
        object: EventObject<T>,
        previous?: Partial<EventObject<T>>,
      ): Stripe.Event => {
        const targets = this.targetsFor(mode, type);
        const event = eventFactory(
          this.opts.accountApiVersion,
          mode,
          this.clock.now(),
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
        targets.push({
          url: e.url,
          secret: e.secret,
          endpointId: e.id,
          apiVersion: e.api_version ?? this.opts.accountApiVersion,
        });
      }
    }
    // Like `stripe listen --forward-to`: every event, signed with the forward secret.
    if (this.opts.forward && !onlyEndpoint) {
      targets.push({
        url: this.opts.forward.url,
        secret: this.opts.forward.secret,
        endpointId: null,
        apiVersion: this.opts.forward.apiVersion ?? this.opts.accountApiVersion,
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
   * Moves the emulator clock to `target`, processing every due lifecycle step of the customers
   * without a test clock in time order, so renewals, trial ends and payment retries happen at the
   * right simulated instants. Customers on a test clock only move with their clock.
   */
  advanceTo(target: number): { processed: number; now: number } {
    const processed = runTimeline(
      {
        modes: ["test", "live"],
        clockId: null,
        now: () => this.clock.now(),
        ctxAt: (mode, at) => {
          if (at > this.clock.now()) this.clock.setNow(at);
          return this.ctx(mode, { id: null, idempotency_key: null });
        },
      },
      (mode) => this.state.modes[mode],
      target,
    );
    if (target > this.clock.now()) this.clock.setNow(target);
    this.changed();
    return { processed, now: this.clock.now() };
  }

  /** `ctx.later`: runs after `testClockAdvanceMs`, tracked so flush/idle wait for it. */
  private later(mode: Mode, task: (ctx: Ctx) => void): void {
    const run = new Promise<void>((resolve) => {
      setTimeout(() => {
        try {
          task(this.ctx(mode, { id: null, idempotency_key: null }));
          this.changed();
        } catch (e) {
          this.opts.log(`error in scheduled task: ${e instanceof Error ? e.message : String(e)}`);
        } finally {
          resolve();
        }
      }, this.opts.testClockAdvanceMs).unref();
    });
    this.pendingTasks.add(run);
    void run.then(() => this.pendingTasks.delete(run));
  }

  /** Resolves once no scheduled task (test clock advance) is pending. */
  async settled(): Promise<void> {
    while (this.pendingTasks.size > 0) await Promise.all([...this.pendingTasks]);
  }

  /** Whether a scheduled task is pending (for `/_emulator/idle`). */
  get tasksPending(): number {
    return this.pendingTasks.size;
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
