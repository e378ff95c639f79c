/**
 * Fault injection for `/v1/*` API requests (never control routes or hosted pages): a delay on
 * the way in, a stall that holds requests until released, and Stripe-like rate limits.
 */
import { rateLimited, type ApiError } from "../http/errors";
import type { Mode } from "../engine/store";

export interface ApiFaults {
  /** Each API request waits this long (ms) before it is handled. */
  delayMs: number;
  /** Hold API requests unanswered until this is false again; then handle them in arrival order. */
  stall: boolean;
  /** At most this many requests per rolling second per mode; the rest get 429. 0 = off. */
  rateLimitPerSecond: number;
  /** The next n API requests get 429 (decremented per refused request). */
  rateLimitNext: number;
}

export const NO_API_FAULTS: ApiFaults = {
  delayMs: 0,
  stall: false,
  rateLimitPerSecond: 0,
  rateLimitNext: 0,
};

const WINDOW_MS = 1000;

export class ApiFaultGate {
  private faults: ApiFaults = { ...NO_API_FAULTS };
  /** Requests held by `stall`, oldest first; resolved with false when the emulator stops. */
  private held: ((proceed: boolean) => void)[] = [];
  private delays = new Map<NodeJS.Timeout, (proceed: boolean) => void>();
  /** Admission times (ms) within the last rolling second, per mode. */
  private admitted: Record<Mode, number[]> = { test: [], live: [] };
  private stopped = false;

  get(): ApiFaults {
    return { ...this.faults };
  }

  set(f: Partial<ApiFaults>): ApiFaults {
    this.faults = { ...this.faults, ...f };
    if (!this.faults.stall) this.releaseHeld(true);
    return this.get();
  }

  clear(): ApiFaults {
    this.admitted = { test: [], live: [] };
    return this.set({ ...NO_API_FAULTS });
  }

  heldCount(): number {
    return this.held.length;
  }

  /**
   * Applies `delayMs` then `stall` to one request. Resolves true when the request may go on,
   * false when the emulator stopped meanwhile (the request must then not be answered).
   */
  async enter(): Promise<boolean> {
    if (this.stopped) return false;
    const delay = this.faults.delayMs;
    if (delay > 0) {
      const go = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          this.delays.delete(timer);
          resolve(true);
        }, delay);
        this.delays.set(timer, resolve);
      });
      if (!go || this.stopped) return false;
    }
    // Held in arrival order; `set({stall: false})` resolves them oldest first.
    if (this.faults.stall) {
      return new Promise<boolean>((resolve) => this.held.push(resolve));
    }
    return true;
  }

  /** The 429 to answer with, or null when the request is admitted (and counted in the window). */
  admit(mode: Mode, now = Date.now()): ApiError | null {
    if (this.faults.rateLimitNext > 0) {
      this.faults.rateLimitNext -= 1;
      return rateLimited();
    }
    const window = this.admitted[mode].filter((t) => now - t < WINDOW_MS);
    this.admitted[mode] = window;
    const limit = this.faults.rateLimitPerSecond;
    if (limit > 0 && window.length >= limit) return rateLimited();
    window.push(now);
    return null;
  }

  private releaseHeld(proceed: boolean): void {
    const held = this.held;
    this.held = [];
    for (const resolve of held) resolve(proceed);
  }

  /** Lets every waiting request go without an answer (the server is closing its sockets). */
  stop(): void {
    this.stopped = true;
    for (const [timer, resolve] of this.delays) {
      clearTimeout(timer);
      resolve(false);
    }
    this.delays.clear();
    this.releaseHeld(false);
  }
}
