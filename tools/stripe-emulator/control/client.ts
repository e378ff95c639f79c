/**
 * Typed client for the emulator's `/_emulator/*` control endpoints, for other test suites:
 *   const ctl = emulatorControl("http://localhost:12111");
 *   await ctl.advanceClock({ days: 31 }); await ctl.flush();
 */
import type { ApiFaults } from "../api/faults";
import type { DeliveryAttempt } from "../webhooks/delivery";
import type { Faults } from "../webhooks/faults";
import type { DunningSettings } from "../resources/subscriptions/dunning";
import type { DeliveryMode } from "../webhooks/delivery-mode";
import type { RequestStats } from "../engine/request-stats";

export type { ApiFaults, DeliveryAttempt, DeliveryMode, Faults, RequestStats };
export type EmulatorMode = "test" | "live";

export interface EmulatorControl {
  reset(mode?: EmulatorMode): Promise<void>;
  now(): Promise<number>;
  /** Moves the clock, processing renewals, trial ends and payment retries on the way. */
  advanceClock(by: {
    seconds?: number;
    days?: number;
    to?: number | Date;
  }): Promise<{ now: number; processed: number }>;
  /**
   * Failed-payment settings of a mode (default test), like Stripe's account settings: retry
   * days (each after the previous attempt) and the action after the last retry.
   */
  setDunning(d: Partial<DunningSettings> & { mode?: EmulatorMode }): Promise<DunningSettings>;
  getDunning(mode?: EmulatorMode): Promise<DunningSettings>;
  deliveries(filter?: { event?: string; type?: string }): Promise<DeliveryAttempt[]>;
  redeliver(eventId: string, opts?: { mode?: EmulatorMode; endpoint?: string }): Promise<void>;
  /** Webhook delivery mode: ordered, or shuffled with duplicates and late deliveries. */
  setDelivery(change: Partial<DeliveryMode>): Promise<DeliveryMode>;
  getDelivery(): Promise<DeliveryMode>;
  /** Webhook delivery faults. */
  setFaults(f: Partial<Faults> & { reset?: boolean }): Promise<Faults>;
  /** Clears webhook delivery faults and API faults (releasing stalled API requests). */
  clearFaults(): Promise<Faults>;
  /** Faults on `/v1/*` API requests (merged into the current ones). */
  setApiFaults(f: Partial<ApiFaults>): Promise<ApiFaults>;
  getApiFaults(): Promise<ApiFaults>;
  /** Back to no API faults: releases stalled requests, turns rate limits off. */
  clearApiFaults(): Promise<ApiFaults>;
  /** Counts of `/v1/*` requests since the last reset. */
  requests(): Promise<RequestStats>;
  resetRequests(): Promise<void>;
  /**
   * Waits for test clock advances in progress, then releases held (shuffled) deliveries and
   * waits until no delivery or retry is pending.
   */
  flush(timeoutMs?: number): Promise<void>;
  idle(timeoutMs?: number): Promise<void>;
}

export function emulatorControl(baseUrl: string): EmulatorControl {
  const base = baseUrl.replace(/\/$/, "");
  async function call<T>(method: "GET" | "POST", path: string, body?: object): Promise<T> {
    const res = await fetch(`${base}/_emulator${path}`, {
      method,
      headers: body ? { "content-type": "application/json" } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }
  return {
    async reset(mode) {
      await call("POST", "/reset", mode ? { mode } : {});
    },
    async now() {
      return (await call<{ now: number }>("GET", "/clock")).now;
    },
    advanceClock(by) {
      if (by.to !== undefined) {
        const to = by.to instanceof Date ? Math.floor(by.to.getTime() / 1000) : by.to;
        return call("POST", "/clock/advance", { to });
      }
      return call("POST", "/clock/advance", {
        seconds: (by.seconds ?? 0) + (by.days ?? 0) * 86400,
      });
    },
    setDunning(d) {
      return call("POST", "/dunning", d);
    },
    getDunning(mode) {
      return call("GET", `/dunning${mode ? `?mode=${mode}` : ""}`);
    },
    async deliveries(filter = {}) {
      const q = new URLSearchParams(
        Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === "string"),
      );
      return (await call<{ data: DeliveryAttempt[] }>("GET", `/deliveries?${q}`)).data;
    },
    async redeliver(eventId, opts = {}) {
      await call("POST", `/events/${encodeURIComponent(eventId)}/redeliver`, opts);
    },
    setDelivery(change) {
      return call("POST", "/delivery", change);
    },
    getDelivery() {
      return call("GET", "/delivery");
    },
    setFaults(f) {
      return call("POST", "/faults", f);
    },
    async clearFaults() {
      await call("POST", "/api-faults", { reset: true });
      return call("POST", "/faults", {
        duplicate: 0,
        shuffle: false,
        dropFirstAttempts: 0,
        delayMs: 0,
      });
    },
    setApiFaults(f) {
      return call("POST", "/api-faults", f);
    },
    getApiFaults() {
      return call("GET", "/api-faults");
    },
    clearApiFaults() {
      return call("POST", "/api-faults", { reset: true });
    },
    requests() {
      return call("GET", "/requests");
    },
    async resetRequests() {
      await call("POST", "/requests/reset", {});
    },
    async flush(timeoutMs) {
      await call("POST", "/flush", timeoutMs ? { timeoutMs } : {});
    },
    async idle(timeoutMs) {
      await call("GET", `/idle${timeoutMs ? `?timeoutMs=${timeoutMs}` : ""}`);
    },
  };
}
