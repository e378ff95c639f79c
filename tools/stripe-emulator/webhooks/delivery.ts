/**
 * Asynchronous, signed webhook delivery with retries, delivery modes (ordered / shuffled with
 * duplicates and late deliveries, see delivery-mode.ts) and fault injection (duplicates, shuffled
 * order, dropped first attempts, delays: faults.ts). `idle()` resolves once nothing is pending.
 */
import type Stripe from "stripe";
import {
  initialDeliveryMode,
  mergeDeliveryMode,
  rng,
  shuffleInPlace,
  type DeliveryMode,
} from "./delivery-mode";
import { dropsAttempt, NO_FAULTS, type Faults } from "./faults";
import { postSigned } from "./signing";

export interface Target {
  url: string;
  secret: string;
  endpointId: string | null;
  /** The version the event is rendered at for this target (endpoint's, else the account's). */
  apiVersion: string;
}

export interface DeliveryAttempt {
  eventId: string;
  type: string;
  livemode: boolean;
  url: string;
  endpointId: string | null;
  attempt: number;
  /** HTTP status, or 0 for a network error/timeout/injected drop. */
  status: number;
  error: string | null;
  at: string;
  durationMs: number;
}

export interface DeliveryOptions {
  /** Backoff before retry n (ms). Attempts = retryDelaysMs.length + 1. */
  retryDelaysMs: number[];
  /** Ordered (default) or shuffled; see delivery-mode.ts. */
  mode?: Partial<DeliveryMode>;
  timeoutMs: number;
  log: (line: string) => void;
  onDelivered?: (event: Stripe.Event, target: Target, ok: boolean) => void;
}

interface Job {
  event: Stripe.Event;
  payload: string;
  target: Target;
  /** Already held back once (shuffled mode): goes out with the next window. */
  wasLate: boolean;
}

export class Deliverer {
  readonly attempts: DeliveryAttempt[] = [];
  private faults: Faults = { ...NO_FAULTS };
  private random = rng(NO_FAULTS.seed);
  private pending = 0;
  private held: Job[] = [];
  private holdTimer: NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private mode: DeliveryMode;
  private modeRandom: () => number;
  /** Shuffled mode: deliveries of the current window, and those held back for a later one. */
  private window: Job[] = [];
  private windowTimer: NodeJS.Timeout | null = null;
  private late: Job[] = [];
  private lateTimer: NodeJS.Timeout | null = null;
  /** Targets whose deliveries wait for `deliverTo`, with what waits (not counted as pending). */
  private waiting = new Map<string, { event: Stripe.Event; target: Target }[]>();

  constructor(private readonly opts: DeliveryOptions) {
    this.mode = initialDeliveryMode(opts.mode, opts.retryDelaysMs);
    this.modeRandom = rng(this.mode.seed);
  }

  getMode(): DeliveryMode {
    return { ...this.mode, retryDelaysMs: [...this.mode.retryDelaysMs] };
  }

  /** Changes the delivery mode; a new seed restarts the PRNG. Going ordered sends what waits. */
  setMode(change: Partial<DeliveryMode>): DeliveryMode {
    this.mode = mergeDeliveryMode(this.mode, change);
    if (change.seed !== undefined) this.modeRandom = rng(this.mode.seed);
    if (this.mode.order === "ordered") void this.releaseWindow(true);
    return this.getMode();
  }

  setFaults(f: Partial<Faults>): Faults {
    this.faults = { ...this.faults, ...f };
    if (f.seed !== undefined) this.random = rng(f.seed);
    if (!this.faults.shuffle) this.release();
    return this.faults;
  }

  getFaults(): Faults {
    return { ...this.faults };
  }

  /** Deliveries to `url` wait, in the order they were made, until `deliverTo(url)`. */
  holdFor(url: string): void {
    if (!this.waiting.has(url)) this.waiting.set(url, []);
  }

  /** Sends what waited for `url` and stops holding it; returns how many deliveries went out. */
  deliverTo(url: string): number {
    const waiting = this.waiting.get(url) ?? [];
    this.waiting.delete(url);
    for (const { event, target } of waiting) this.enqueue(event, [target]);
    return waiting.length;
  }

  enqueue(event: Stripe.Event, targets: Target[]): void {
    if (this.stopped || targets.length === 0) return;
    const shuffled = this.mode.order === "shuffled";
    for (const target of targets) {
      const waiting = this.waiting.get(target.url);
      if (waiting) {
        waiting.push({ event, target });
        continue;
      }
      // Stripe sends pretty-printed JSON at the target's API version; signatures are over the
      // exact bytes sent.
      const payload = JSON.stringify({ ...event, api_version: target.apiVersion }, null, 2);
      const extra = shuffled && this.modeRandom() < this.mode.duplicateRate ? 1 : 0;
      for (let copy = 0; copy <= this.faults.duplicate + extra; copy++) {
        const job: Job = { event, payload, target, wasLate: false };
        this.pending += 1;
        if (this.faults.shuffle) {
          this.held.push(job);
          this.scheduleRelease();
        } else if (shuffled) {
          this.window.push(job);
          this.windowTimer ??= setTimeout(() => {
            this.windowTimer = null;
            void this.releaseWindow(false);
          }, this.mode.windowMs);
        } else {
          this.later(() => void this.attempt(job, 1), 0);
        }
      }
    }
  }

  /**
   * Sends the window shuffled, then what earlier windows held back. Some of this window are held
   * back in turn (for the next window, or `lateMs`); `all` (flush) sends them too, last.
   */
  private async releaseWindow(all: boolean): Promise<void> {
    if (this.windowTimer) clearTimeout(this.windowTimer);
    this.windowTimer = null;
    const jobs = this.window;
    this.window = [];
    shuffleInPlace(jobs, this.modeRandom);
    const now: Job[] = [];
    const heldBack: Job[] = [];
    for (const job of jobs) {
      if (!job.wasLate && this.modeRandom() < this.mode.lateRate) {
        job.wasLate = true;
        heldBack.push(job);
      } else now.push(job);
    }
    const carried = this.late;
    this.late = [];
    if (this.lateTimer) clearTimeout(this.lateTimer);
    this.lateTimer = null;
    if (!all && heldBack.length) {
      this.late = heldBack;
      this.lateTimer = setTimeout(() => {
        this.lateTimer = null;
        const overdue = this.late;
        this.late = [];
        for (const job of overdue) void this.attempt(job, 1);
      }, this.mode.lateMs);
    }
    // One after the other (retries run on their own timers): the arrival order is the seeded
    // order, so a failing run can be replayed with its seed.
    for (const job of [...now, ...carried, ...(all ? heldBack : [])]) await this.attempt(job, 1);
  }

  private scheduleRelease(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      this.release();
    }, this.faults.holdMs);
  }

  /** Sends held jobs in a seeded random order (Fisher–Yates). */
  release(): void {
    if (this.holdTimer) {
      clearTimeout(this.holdTimer);
      this.holdTimer = null;
    }
    const jobs = this.held;
    this.held = [];
    shuffleInPlace(jobs, this.random);
    for (const job of jobs) this.later(() => void this.attempt(job, 1), 0);
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private async attempt(job: Job, attempt: number): Promise<void> {
    if (this.stopped) return this.done();
    if (this.faults.delayMs > 0) await new Promise((r) => setTimeout(r, this.faults.delayMs));
    const started = Date.now();
    let status = 0;
    let error: string | null = null;
    if (dropsAttempt(this.faults, attempt, this.random)) {
      error = "dropped by fault injection";
    } else {
      ({ status, error } = await postSigned(job.target, job.payload, this.opts.timeoutMs));
    }
    const ok = status >= 200 && status < 300;
    this.attempts.push({
      eventId: job.event.id,
      type: job.event.type,
      livemode: job.event.livemode,
      url: job.target.url,
      endpointId: job.target.endpointId,
      attempt,
      status,
      error,
      at: new Date(started).toISOString(),
      durationMs: Date.now() - started,
    });
    if (this.attempts.length > 10000) this.attempts.splice(0, this.attempts.length - 10000);
    this.opts.log(
      `webhook ${job.event.type} ${job.event.id} -> ${job.target.url} attempt ${attempt}: ${status || error}`,
    );
    const delay = this.mode.retryDelaysMs[attempt - 1];
    if (!ok && delay !== undefined && !this.stopped) {
      this.later(() => void this.attempt(job, attempt + 1), delay);
      return;
    }
    this.opts.onDelivered?.(job.event, job.target, ok);
    this.done();
  }

  private done(): void {
    this.pending -= 1;
    if (this.pending <= 0) {
      this.pending = 0;
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }

  isIdle(): boolean {
    return this.pending === 0;
  }

  pendingCount(): number {
    return this.pending;
  }

  /** Resolves when every queued delivery (including retries) has finished. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Releases held (shuffled, late) deliveries and waits for everything, retries included. */
  flush(): Promise<void> {
    this.release();
    void this.releaseWindow(true);
    return this.idle();
  }

  reset(): void {
    this.attempts.length = 0;
    this.faults = { ...NO_FAULTS };
    this.random = rng(NO_FAULTS.seed);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.holdTimer) clearTimeout(this.holdTimer);
    if (this.windowTimer) clearTimeout(this.windowTimer);
    if (this.lateTimer) clearTimeout(this.lateTimer);
    this.held = [];
    this.window = [];
    this.late = [];
    this.pending = 0;
    for (const w of this.waiters.splice(0)) w();
  }
}
