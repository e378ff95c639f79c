import { ownerOf, runSync, type SyncResult } from "@/lib/billing/sync/sync-customer";
import {
  claimNext,
  failTicket,
  msUntilNextClaimable,
  type SyncTicket,
} from "@/lib/billing/sync/queue";
import { env } from "@/lib/env";
import { sendDueBillingEmails } from "@/lib/billing/emails/send";

/**
 * The drain: a bounded number of workers in this process claim customers that need a sync and
 * sync each once for however many events are waiting. It runs right after a webhook's response
 * (the route's `after()`, Vercel's waitUntil), on a timer in long-running servers, and from the
 * reconcile cron as the backstop. Any number of callers share one running drain per process.
 */

export type DrainOptions = {
  /** Stop claiming after this long (the rest waits for the next drain). */
  budgetMs?: number;
  /** Only these customers (reconciliation drains its own batch); not shared with other callers. */
  customerIds?: readonly string[];
  /** Workers; defaults to BILLING_SYNC_CONCURRENCY. */
  concurrency?: number;
  /** Told the outcome of each sync this drain ran. */
  onResult?: (result: DrainResult) => void;
};

export type DrainResult = SyncResult | { status: "failed"; customerId: string; reason: string };

export type DrainReport = { synced: number; skipped: number; failed: number };

/** Long enough to wait out the debounce of a burst, well inside a 60 s function. */
export const DEFAULT_DRAIN_BUDGET_MS = 45_000;
/** How often an idle worker looks again while a leased customer may get new events. */
const POLL_MS = 250;
/** The longest an idle worker waits for a wake-up before looking at the queue itself. */
const IDLE_CHECK_MS = 1_000;

/**
 * The process's running drain; callers joining it push its deadline out to their own and wake
 * its idle workers. `busy`: workers syncing now; `wakes` counts wake-ups, so a worker that was
 * about to wait when one came does not miss it.
 */
type RunState = {
  deadline: number;
  report: DrainReport;
  busy: number;
  wakes: number;
  sleepers: Set<() => void>;
};
type Run = RunState & { done: Promise<DrainReport> };
let shared: Run | null = null;
let wanted = false;

/**
 * Drains the queue. Joins the process's running drain when there is one, extending it to this
 * caller's budget, so work queued just before a drain would have stopped is not left behind.
 * Resolves when the drain has nothing left, or when this caller's budget is spent (each serverless
 * invocation waits only for its own share).
 */
export function drainSyncQueue(options: DrainOptions = {}): Promise<DrainReport> {
  const deadline = Date.now() + (options.budgetMs ?? DEFAULT_DRAIN_BUDGET_MS);
  if (options.customerIds) return startRun(deadline, options).done;
  // A drain that is finishing might miss work queued just now: ask it to take another round.
  wanted = true;
  if (!shared) {
    const run = startRun(deadline, options);
    shared = run;
    void run.done.finally(() => {
      if (shared === run) shared = null;
    });
    return run.done;
  }
  const run = shared;
  run.deadline = Math.max(run.deadline, deadline);
  wake(run);
  let timer: NodeJS.Timeout | undefined;
  const budgetSpent = new Promise<DrainReport>((resolve) => {
    timer = setTimeout(() => resolve(run.report), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([run.done, budgetSpent]).finally(() => clearTimeout(timer));
}

function startRun(deadline: number, options: DrainOptions): Run {
  const state: RunState = {
    deadline,
    report: { synced: 0, skipped: 0, failed: 0 },
    busy: 0,
    wakes: 0,
    sleepers: new Set(),
  };
  return Object.assign(state, { done: drain(state, options) });
}

async function drain(run: RunState, options: DrainOptions): Promise<DrainReport> {
  const workers = options.concurrency ?? env.BILLING_SYNC_CONCURRENCY;
  do {
    if (!options.customerIds) wanted = false;
    await Promise.all(Array.from({ length: workers }, () => work(run, options)));
    // The billing emails these syncs made due (emails/send.ts): after them, since an email reads
    // the synced records. A send failure waits with backoff; it never fails the drain. Work that
    // joined meanwhile (`wanted`) takes the drain round again.
    await sendDueBillingEmails({
      budgetMs: Math.max(EMAIL_BUDGET_FLOOR_MS, run.deadline - Date.now()),
      customerIds: options.customerIds,
    }).catch((error: unknown) => {
      console.error(`[billing email] sending failed: ${String(error)}`);
    });
  } while (!options.customerIds && wanted && Date.now() < run.deadline);
  return run.report;
}

/** Even a drain whose budget the syncs used up sends what is due (a send takes milliseconds). */
const EMAIL_BUDGET_FLOOR_MS = 2_000;

async function work(run: RunState, options: DrainOptions): Promise<void> {
  const only = options.customerIds;
  while (Date.now() < run.deadline) {
    const wakesSeen = run.wakes;
    const ticket = await claimNext(only);
    if (ticket) {
      run.busy += 1;
      const result = await syncClaimed(ticket).finally(() => {
        run.busy -= 1;
        wake(run); // idle workers look again, or end with the run
      });
      run.report[result.status] += 1;
      options.onResult?.(result);
      continue;
    }
    const wait = await msUntilNextClaimable(only);
    if (wait !== null) {
      if (Date.now() + wait > run.deadline) return;
      await sleep(Math.min(Math.max(wait, 10), POLL_MS));
      continue;
    }
    // Nothing pending but what other workers hold. Alone, or in a batch no one else adds to:
    // done. Otherwise stay while they sync: a webhook joining this drain (another customer's,
    // say right after a portal action) is taken up at once, not when a slow sync ends.
    if (only || run.busy === 0) return;
    await idle(run, wakesSeen);
  }
}

function wake(run: RunState): void {
  run.wakes += 1;
  for (const sleeper of [...run.sleepers]) sleeper();
}

/** Until a wake-up after `wakesSeen`, the deadline, or IDLE_CHECK_MS (a safety net). */
function idle(run: RunState, wakesSeen: number): Promise<void> {
  if (run.wakes !== wakesSeen) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      run.sleepers.delete(done);
      resolve();
    };
    const timer = setTimeout(done, Math.min(IDLE_CHECK_MS, Math.max(0, run.deadline - Date.now())));
    run.sleepers.add(done);
  });
}

async function syncClaimed(ticket: SyncTicket): Promise<DrainResult> {
  try {
    const owner = await ownerOf(ticket.customerId);
    if (!owner) throw new Error(`customer ${ticket.customerId} has no record`);
    // Webhook-driven: the one place a new default card may pay an open invoice.
    return await runSync(ticket, owner, { recoverCards: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`[billing] sync of ${ticket.customerId} failed (will retry): ${message}`);
    await failTicket(ticket, message).catch((failure: unknown) => {
      // The database itself may be what failed; the lease expires and the sync is retried.
      console.error(`[billing] could not record the failure: ${String(failure)}`);
    });
    return { status: "failed", customerId: ticket.customerId, reason: message };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let timer: NodeJS.Timeout | undefined;

/**
 * Drains every few seconds while the server process runs: the backstop for syncs whose backoff
 * ends after the webhook's own drain stopped. Serverless instances live only for a while; the
 * reconcile cron covers them (docs/billing-sync.md).
 */
export function startDrainTimer(seconds = env.BILLING_DRAIN_INTERVAL_SECONDS): void {
  if (timer || seconds <= 0) return;
  timer = setInterval(() => {
    drainSyncQueue({ budgetMs: seconds * 1_000 }).catch((error: unknown) => {
      console.error(`[billing] background drain failed: ${String(error)}`);
    });
  }, seconds * 1_000);
  timer.unref();
}
