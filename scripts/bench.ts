/**
 * `npm run bench`: measures this machine. Starts a throwaway Postgres, the Stripe emulator and a
 * production build (`next start`, built into .next-bench; `BENCH_SKIP_BUILD=1` reuses it), seeds
 * 100 subscribed customers with the app's own functions, then loads the running server over
 * loopback HTTP: webhook answers (fresh and duplicate events), bursts and how fast the sync queue
 * converges and with how many Stripe calls, the billing page, and the app while Stripe stalls.
 * Prints Markdown tables (stdout; progress goes to stderr) and a verdict per target, and stops
 * everything it started, also on Ctrl-C. Not part of `npm test`. Exit code 0 when every target is
 * met, 1 when one is not or the run failed.
 *
 * Variables: BENCH_SKIP_BUILD=1 (reuse .next-bench); BENCH_STRIPE_RATE_LIMIT (the emulator's API
 * rate limit during the measurements, default 25 like Stripe's test mode, 0 = off); the app's
 * BILLING_SYNC_STRIPE_RATE, BILLING_SYNC_MIN_INTERVAL_MS, BILLING_SYNC_CONCURRENCY,
 * BILLING_DRAIN_INTERVAL_SECONDS and DATABASE_POOL_SIZE are passed to `next start` when set.
 * Diagnostics: BENCH_TRACE=1 (queue state every second while waiting), BENCH_APP_LOG=1 (the app's
 * output as it comes), BENCH_CPU_PROFILE=1 (`next start` under --cpu-prof, summarized per phase).
 */
import os from "node:os";
import { emulatorControl } from "@/tools/stripe-emulator/control/client";
import { answersSection, answersVerdicts, measureAnswers } from "./lib/bench/answers";
import {
  billingLoad,
  billingPageSection,
  measureBillingPage,
  signInCookie,
} from "./lib/bench/billing-page";
import { burstsSection, burstsVerdicts, measureBursts } from "./lib/bench/bursts";
import { log, PROFILE_DIR, root, STRIPE_RATE_LIMIT } from "./lib/bench/config";
import { loadLib, type Context } from "./lib/bench/context";
import { componentsOf } from "./lib/bench/cpu";
import { measureFdatasync } from "./lib/bench/disk";
import { registerStop, stopAll, takeOverSignals } from "./lib/bench/lifecycle";
import { newestProfile, summarizeProfile, type Window } from "./lib/bench/profile";
import { settle } from "./lib/bench/queue";
import { seconds } from "./lib/bench/report";
import { headerSection, printAppLogErrors, verdictsSection } from "./lib/bench/run-report";
import { retrieveSubscriptions, seedCustomers } from "./lib/bench/seed";
import { KNOBS, startStack } from "./lib/bench/stack";
import { measureStall, stallSection, stallVerdicts } from "./lib/bench/stall";
import { freshEvents, sendWebhooks } from "./lib/bench/webhooks";

/** Stretches of the run to summarize the profile over. */
const windows: Window[] = [];

takeOverSignals();

async function main(): Promise<number> {
  const benchStartedAt = performance.now();
  const overrides: Record<string, string> = {};
  for (const knob of KNOBS) {
    const value = process.env[knob];
    if (value !== undefined && value !== "") overrides[knob] = value;
  }
  const stack = await startStack({
    root,
    skipBuild: process.env.BENCH_SKIP_BUILD === "1",
    overrides,
    log,
    streamAppLog: process.env.BENCH_APP_LOG === "1",
    cpuProfileDir: PROFILE_DIR,
    registerStop,
  });
  log(`app on ${stack.appUrl}, emulator on ${stack.emulatorUrl}`);
  const lib = await loadLib();
  const ctl = emulatorControl(stack.emulatorUrl);
  const secret = stack.env.STRIPE_WEBHOOK_SECRET;
  if (!secret) throw new Error("the emulator gave no STRIPE_WEBHOOK_SECRET");
  const cpu = componentsOf({
    next: stack.pids.next,
    postgres: stack.pids.postgres,
    emulator: stack.pids.emulator,
  });
  const ctx: Context = { stack, lib, ctl, secret, cpu, seeded: [], windows, nudges: [] };

  // Seed: users, their Stripe customers (the app's own function) and a Pro monthly subscription.
  let t = performance.now();
  await ctl.clearApiFaults();
  const customers = await seedCustomers(lib);
  log(`seeded ${customers.length} customers in ${seconds(performance.now() - t)}`);
  t = performance.now();
  const seeded = await retrieveSubscriptions(lib, customers);
  ctx.seeded = seeded;
  const [user] = seeded;
  if (!user) throw new Error("nothing seeded");
  const cookie = await signInCookie(lib, user.userId);

  // Warm-up: the server's first requests load code; not measured.
  await sendWebhooks(ctx, freshEvents(20, seeded), 4, "queued");
  await settle(ctx, "seeding");
  const warm = await billingLoad(ctx, cookie, 10, 2);
  if (warm.stats.errors > 0) {
    throw new Error(`the billing page does not work: ${warm.stats.errorSamples.join("; ")}`);
  }
  const seedSeconds = (performance.now() - t) / 1000;
  if (STRIPE_RATE_LIMIT > 0) await ctl.setApiFaults({ rateLimitPerSecond: STRIPE_RATE_LIMIT });
  // The throwaway cluster lives under the OS temp folder: the same disk.
  const disk = measureFdatasync(os.tmpdir());

  const answers = await measureAnswers(ctx, user); // 1. Webhook answers, fresh then duplicate.
  const bursts = await measureBursts(ctx, user); // 2-3. Bursts.
  const billing = await measureBillingPage(ctx, cookie); // 4. Billing page.
  const stall = await measureStall(ctx, cookie, user); // 5. Stripe stalls.
  const totalSeconds = (performance.now() - benchStartedAt) / 1000;

  const verdicts = [
    ...answersVerdicts(answers),
    ...burstsVerdicts(bursts),
    ...stallVerdicts(stall),
  ];
  const out = [
    ...headerSection(lib, stack, disk),
    ...answersSection(answers),
    ...burstsSection(bursts),
    ...billingPageSection(billing),
    ...stallSection(stall),
    ...verdictsSection(verdicts, { stack, totalSeconds, seedSeconds, nudges: ctx.nudges }),
  ];
  console.log(out.join("\n"));
  printAppLogErrors(stack);
  return verdicts.every((v) => v.pass) ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(
    `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
} finally {
  await stopAll();
}
if (PROFILE_DIR) {
  const file = newestProfile(PROFILE_DIR);
  console.log("");
  console.log(
    file
      ? [
          `CPU profile of \`next start\` (BENCH_CPU_PROFILE=1, ${file}):`,
          ...summarizeProfile(file, windows),
        ].join("\n")
      : `No CPU profile was written to ${PROFILE_DIR}.`,
  );
}
process.exit(code);
