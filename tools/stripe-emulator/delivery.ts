/**
 * Asynchronous, signed webhook delivery with retries and fault injection (duplicates, shuffled
 * order, dropped first attempts, delays). `idle()` resolves once nothing is pending.
 */
import { createHmac } from "node:crypto";
import type Stripe from "stripe";

export interface Target {
  url: string;
  secret: string;
  endpointId: string | null;
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

export interface Faults {
  /** Extra copies of each delivery (each copy signed and sent separately). */
  duplicate: number;
  /** Hold deliveries and release them in seeded random order (on flush or after holdMs). */
  shuffle: boolean;
  seed: number;
  holdMs: number;
  /** Integer n ≥ 1: the first n attempts of each delivery fail; 0 < p < 1: first attempt fails with probability p. */
  dropFirstAttempts: number;
  /** Wait this long before each attempt. */
  delayMs: number;
}

export const NO_FAULTS: Faults = {
  duplicate: 0,
  shuffle: false,
  seed: 1,
  holdMs: 200,
  dropFirstAttempts: 0,
  delayMs: 0,
};

export interface DeliveryOptions {
  /** Backoff before retry n (ms). Attempts = retryDelaysMs.length + 1. */
  retryDelaysMs: number[];
  timeoutMs: number;
  log: (line: string) => void;
  onDelivered?: (event: Stripe.Event, target: Target, ok: boolean) => void;
}

interface Job {
  event: Stripe.Event;
  payload: string;
  target: Target;
}

/** Stripe's signature scheme: HMAC-SHA256 over `${t}.${payload}` with the endpoint secret. */
export function signPayload(payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${v1}`;
}

/** mulberry32: small deterministic PRNG so shuffles are reproducible from a seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

  constructor(private readonly opts: DeliveryOptions) {}

  setFaults(f: Partial<Faults>): Faults {
    this.faults = { ...this.faults, ...f };
    if (f.seed !== undefined) this.random = rng(f.seed);
    if (!this.faults.shuffle) this.release();
    return this.faults;
  }

  getFaults(): Faults {
    return { ...this.faults };
  }

  enqueue(event: Stripe.Event, targets: Target[]): void {
    if (this.stopped || targets.length === 0) return;
    // Stripe sends pretty-printed JSON; signatures are over the exact bytes sent.
    const payload = JSON.stringify(event, null, 2);
    for (const target of targets) {
      for (let copy = 0; copy <= this.faults.duplicate; copy++) {
        const job = { event, payload, target };
        this.pending += 1;
        if (this.faults.shuffle) {
          this.held.push(job);
          this.scheduleRelease();
        } else {
          this.later(() => void this.attempt(job, 1), 0);
        }
      }
    }
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
    for (let i = jobs.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const a = jobs[i];
      const b = jobs[j];
      if (a && b) {
        jobs[i] = b;
        jobs[j] = a;
      }
    }
    for (const job of jobs) this.later(() => void this.attempt(job, 1), 0);
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private shouldDrop(attempt: number): boolean {
    const d = this.faults.dropFirstAttempts;
    if (d <= 0) return false;
    if (d < 1) return attempt === 1 && this.random() < d;
    return attempt <= d;
  }

  private async attempt(job: Job, attempt: number): Promise<void> {
    if (this.stopped) return this.done();
    if (this.faults.delayMs > 0) await new Promise((r) => setTimeout(r, this.faults.delayMs));
    const started = Date.now();
    let status = 0;
    let error: string | null = null;
    if (this.shouldDrop(attempt)) {
      error = "dropped by fault injection";
    } else {
      // Signature timestamp uses real time: receivers check it against their own clock (300 s).
      const header = signPayload(job.payload, job.target.secret, Math.floor(Date.now() / 1000));
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.opts.timeoutMs);
      try {
        const res = await fetch(job.target.url, {
          method: "POST",
          headers: {
            "content-type": "application/json; charset=utf-8",
            "stripe-signature": header,
            "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks) local-emulator",
          },
          body: job.payload,
          signal: controller.signal,
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch (e) {
        error = controller.signal.aborted ? "timeout" : e instanceof Error ? e.message : String(e);
      } finally {
        clearTimeout(timer);
      }
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
    const delay = this.opts.retryDelaysMs[attempt - 1];
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

  /** Releases held (shuffled) deliveries and waits for everything. */
  flush(): Promise<void> {
    this.release();
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
    this.held = [];
    this.pending = 0;
    for (const w of this.waiters.splice(0)) w();
  }
}
