/**
 * How webhook deliveries are scheduled. Stripe guarantees no order, may deliver an event more
 * than once and retries failures for days, so the emulator can do all three on purpose:
 * `ordered` sends each event when it is created; `shuffled` collects events for `windowMs`,
 * sends them in a seeded random order, sends some twice (`duplicateRate`) and holds some back
 * (`lateRate`) until a later window has gone out (or `lateMs` passed).
 */

export type DeliveryOrder = "ordered" | "shuffled";

export interface DeliveryMode {
  order: DeliveryOrder;
  /** Probability (0..1) that a delivery is sent a second time, later (shuffled only). */
  duplicateRate: number;
  /** Probability (0..1) that a delivery is held back until after a later window (shuffled only). */
  lateRate: number;
  /** Seed of the PRNG behind shuffling, duplicates and late deliveries: a run is reproducible. */
  seed: number;
  /** Events created within this window are delivered together, shuffled. */
  windowMs: number;
  /** A held-back delivery goes out at the latest this long after its window. */
  lateMs: number;
  /**
   * Backoff before retry n (ms); attempts = length + 1. Tests keep it short. Stripe retries for up
   * to 3 days with exponential backoff in live mode, and a few times over hours in test mode.
   */
  retryDelaysMs: number[];
}

export const DEFAULT_RETRY_DELAYS_MS = [500, 1000, 2000, 4000];

export const ORDERED: Omit<DeliveryMode, "seed" | "retryDelaysMs"> = {
  order: "ordered",
  duplicateRate: 0,
  lateRate: 0,
  windowMs: 50,
  lateMs: 400,
};

/** Defaults of `order: "shuffled"` when the rates are not given. */
export const SHUFFLED_DEFAULTS = { duplicateRate: 0.1, lateRate: 0.1 } as const;

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

function rate(v: unknown, name: string): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 1)
    throw new Error(`${name} must be a number from 0 to 1`);
  return v;
}

function ms(v: unknown, name: string): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
    throw new Error(`${name} must be a number of milliseconds >= 0`);
  return Math.floor(v);
}

/** Merges `change` into `current`, refusing values that make no sense (one message each). */
export function mergeDeliveryMode(
  current: DeliveryMode,
  change: Partial<DeliveryMode>,
): DeliveryMode {
  const next = { ...current };
  if (change.order !== undefined) {
    if (change.order !== "ordered" && change.order !== "shuffled")
      throw new Error(`order must be "ordered" or "shuffled"`);
    // Switching to shuffled without rates gets the shuffled defaults, not zero.
    if (change.order === "shuffled" && current.order !== "shuffled") {
      next.duplicateRate = SHUFFLED_DEFAULTS.duplicateRate;
      next.lateRate = SHUFFLED_DEFAULTS.lateRate;
    }
    if (change.order === "ordered") {
      next.duplicateRate = 0;
      next.lateRate = 0;
    }
    next.order = change.order;
  }
  if (change.duplicateRate !== undefined)
    next.duplicateRate = rate(change.duplicateRate, "duplicateRate");
  if (change.lateRate !== undefined) next.lateRate = rate(change.lateRate, "lateRate");
  if (change.seed !== undefined) {
    if (!Number.isInteger(change.seed)) throw new Error("seed must be an integer");
    next.seed = change.seed;
  }
  if (change.windowMs !== undefined) next.windowMs = ms(change.windowMs, "windowMs");
  if (change.lateMs !== undefined) next.lateMs = ms(change.lateMs, "lateMs");
  if (change.retryDelaysMs !== undefined) {
    if (!Array.isArray(change.retryDelaysMs)) throw new Error("retryDelaysMs must be an array");
    next.retryDelaysMs = change.retryDelaysMs.map((d, i) => ms(d, `retryDelaysMs[${i}]`));
  }
  return next;
}

export function initialDeliveryMode(
  change: Partial<DeliveryMode> | undefined,
  retryDelaysMs: number[],
): DeliveryMode {
  const base: DeliveryMode = { ...ORDERED, seed: randomSeed(), retryDelaysMs };
  return mergeDeliveryMode(base, change ?? {});
}

export function describeDeliveryMode(m: DeliveryMode): string {
  return m.order === "ordered"
    ? `webhook delivery: ordered (retries after ${m.retryDelaysMs.join("/") || "none"} ms)`
    : `webhook delivery: shuffled (seed ${m.seed}, duplicateRate ${m.duplicateRate}, lateRate ${m.lateRate}, windowMs ${m.windowMs}; retries after ${m.retryDelaysMs.join("/") || "none"} ms)`;
}

/** mulberry32: small deterministic PRNG so shuffles are reproducible from a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates, in place. */
export function shuffleInPlace<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = items[i];
    const b = items[j];
    if (a !== undefined && b !== undefined) {
      items[i] = b;
      items[j] = a;
    }
  }
}
