// The report's frame: the machine and settings before the phase tables, verdicts and notes after.
import { execFileSync } from "node:child_process";
import os from "node:os";
import { CUSTOMERS, STRIPE_RATE_LIMIT } from "./config";
import type { Lib } from "./context";
import { cores } from "./cpu";
import type { measureFdatasync } from "./disk";
import { ms, num, seconds, verdictLine, type Verdict } from "./report";
import { KNOBS, type Stack } from "./stack";

function describeKnobs(lib: Lib, stack: Stack): string[] {
  const parsed: Record<string, string | number | undefined> = {
    BILLING_SYNC_STRIPE_RATE: lib.env.BILLING_SYNC_STRIPE_RATE,
    BILLING_SYNC_MIN_INTERVAL_MS: lib.env.BILLING_SYNC_MIN_INTERVAL_MS,
    BILLING_SYNC_CONCURRENCY: lib.env.BILLING_SYNC_CONCURRENCY,
    DATABASE_POOL_SIZE: lib.env.DATABASE_POOL_SIZE,
  };
  return KNOBS.map((knob) => {
    const set = stack.env[knob];
    if (set !== undefined) return `${knob}=${set}`;
    if (knob === "BILLING_SYNC_STRIPE_RATE") {
      return `${knob} unset (app default for a test key; observed rates below)`;
    }
    if (knob === "BILLING_DRAIN_INTERVAL_SECONDS")
      return `${knob} unset (NODE_ENV=production default)`;
    return `${knob} unset (default ${String(parsed[knob])})`;
  });
}

function safe(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .trim()
      .split("\n")[0];
  } catch {
    return undefined;
  }
}

export function headerSection(
  lib: Lib,
  stack: Stack,
  disk: ReturnType<typeof measureFdatasync>,
): string[] {
  const cpuModel = os.cpus()[0]?.model ?? "unknown CPU";
  const commit = safe("git", ["rev-parse", "--short", "HEAD"]);
  return [
    `## Benchmark, ${new Date().toISOString()}`,
    "",
    `Node ${process.version}, nproc ${safe("nproc", []) ?? String(cores)}, ${cpuModel}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()}` +
      (commit ? `, commit ${commit} (working tree as is)` : ""),
    `Everything on this one machine: \`next start\` (production build), embedded PostgreSQL, ` +
      `the Stripe emulator and this load generator (loopback HTTP, keep-alive).`,
    `${CUSTOMERS} seeded customers with a Pro monthly subscription each.`,
    `Disk under the Postgres cluster (${os.tmpdir()}): fdatasync of 8 KiB p50 ${ms(disk.p50)}, ` +
      `p99 ${ms(disk.p99)}, max ${ms(disk.max)} over 200 (each commit that writes waits for one).`,
    "",
    `Settings: ${describeKnobs(lib, stack).join("; ")}.`,
    `Emulator API rate limit during the measurements: ${
      STRIPE_RATE_LIMIT > 0 ? `${STRIPE_RATE_LIMIT} req/s (BENCH_STRIPE_RATE_LIMIT)` : "off"
    }. CPU is in % of one core (${cores} cores), from /proc while sending; "other processes" is ` +
      `what the rest of the machine used meanwhile. "pg sessions": the app's Postgres sessions ` +
      `sampled every 200 ms while sending (mean and max running a statement / waiting on a lock / ` +
      `waiting on I/O; the most frequent wait events of active sessions).`,
    "",
  ];
}

export function verdictsSection(
  verdicts: readonly Verdict[],
  run: { stack: Stack; totalSeconds: number; seedSeconds: number; nudges: readonly string[] },
): string[] {
  const { stack, totalSeconds, seedSeconds, nudges } = run;
  const out = [
    "### Verdicts",
    "",
    ...verdicts.map(verdictLine),
    "",
    `Run time ${seconds(totalSeconds * 1000)}` +
      (stack.buildSeconds === null ? " (build skipped)" : ` (build ${num(stack.buildSeconds)} s)`) +
      `; seeding and first settle ${num(seedSeconds)} s. App log lines mentioning errors/warnings: ${stack.appLog.errors}.`,
  ];
  if (nudges.length > 0) {
    out.push(
      `Note: after ${nudges.join(", ")}, customers waited with no Stripe call for 10 s and the queue ` +
        `only settled after one more event started a drain (the app alone did not converge).`,
    );
  }
  return out;
}

/** Printed after the report: the first distinct error/warning lines of the app's log. */
export function printAppLogErrors(stack: Stack): void {
  if (stack.appLog.errorLines.length > 0) {
    const distinct = [...new Set(stack.appLog.errorLines.map((l) => l.slice(0, 300)))];
    console.log("");
    console.log(`App log (first ${Math.min(8, distinct.length)} distinct error/warning lines):`);
    console.log(
      distinct
        .slice(0, 8)
        .map((line) => `    ${line}`)
        .join("\n"),
    );
  }
}
