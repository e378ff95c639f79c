// The run's fixed sizes, limits and environment switches, plus the progress log every phase uses.
import path from "node:path";
import { DIST_DIR } from "./stack";

export const root = path.resolve(import.meta.dirname, "../../..");
export const CUSTOMERS = 100;
export const SEED_CONCURRENCY = 8;
/** No load phase starts a request after this long. */
export const PHASE_DEADLINE_MS = 60_000;
/** Waiting for the queue to empty between phases. */
export const SETTLE_TIMEOUT_MS = 180_000;
/** Measured convergence after a burst is given up after this long. */
export const CONVERGE_TIMEOUT_MS = 150_000;
export const STRIPE_RATE_LIMIT = wholeNumber("BENCH_STRIPE_RATE_LIMIT", 25);
/** BENCH_CPU_PROFILE=1: profile `next start` and summarize where its CPU went (slower). */
export const PROFILE_DIR =
  process.env.BENCH_CPU_PROFILE === "1"
    ? path.join(root, DIST_DIR, "cpu-profiles", new Date().toISOString().replace(/[:.]/g, "-"))
    : undefined;

function wholeNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`bench: ${name} must be a whole number (got ${raw})`);
    process.exit(2);
  }
  return value;
}

export const log = (line: string) => console.error(`bench: ${line}`);
export const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));
