// The sync queue between and after phases: waiting for it to converge or settle, tracing it.
import { log, SETTLE_TIMEOUT_MS, sleep } from "./config";
import type { Context, Lib } from "./context";
import { startCpuWindow, type CpuUsage } from "./cpu";
import { seconds } from "./report";
import { freshEvents, sendWebhooks } from "./webhooks";

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

export type Convergence = {
  /** From `since` until the queue was empty and every event processed; null: not within time. */
  ms: number | null;
  depth: { pendingCustomers: number; pendingEvents: number };
  cpu: CpuUsage;
};

export async function waitConverged(
  ctx: Context,
  since: number,
  timeoutMs: number,
): Promise<Convergence> {
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
export async function settle(ctx: Context, label: string): Promise<void> {
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
          ctx.nudges.push(label);
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
