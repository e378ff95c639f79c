import { ownerOf, runSync, type SyncResult } from "@/lib/billing/sync/sync-customer";
import {
  claimNext,
  failTicket,
  msUntilNextClaimable,
  type SyncTicket,
} from "@/lib/billing/sync/queue";
import { env } from "@/lib/env";

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

let shared: Promise<DrainReport> | null = null;
let wanted = false;

/** Drains the queue; joins the process's running drain when there is one. */
export function drainSyncQueue(options: DrainOptions = {}): Promise<DrainReport> {
  if (options.customerIds) return drain(options);
  // A drain that is finishing might miss work queued just now: ask it to take another round.
  wanted = true;
  shared ??= drain(options).finally(() => {
    shared = null;
  });
  return shared;
}

async function drain(options: DrainOptions): Promise<DrainReport> {
  const deadline = Date.now() + (options.budgetMs ?? DEFAULT_DRAIN_BUDGET_MS);
  const workers = options.concurrency ?? env.BILLING_SYNC_CONCURRENCY;
  const report: DrainReport = { synced: 0, skipped: 0, failed: 0 };
  do {
    if (!options.customerIds) wanted = false;
    await Promise.all(Array.from({ length: workers }, () => work(deadline, report, options)));
  } while (!options.customerIds && wanted && Date.now() < deadline);
  return report;
}

async function work(deadline: number, report: DrainReport, options: DrainOptions): Promise<void> {
  const only = options.customerIds;
  while (Date.now() < deadline) {
    const ticket = await claimNext(only);
    if (ticket) {
      const result = await syncClaimed(ticket);
      report[result.status] += 1;
      options.onResult?.(result);
      continue;
    }
    const wait = await msUntilNextClaimable(only);
    // Nothing this process could take (idle, or held by other workers): done.
    if (wait === null || Date.now() + wait > deadline) return;
    await sleep(Math.min(Math.max(wait, 10), POLL_MS));
  }
}

async function syncClaimed(ticket: SyncTicket): Promise<DrainResult> {
  try {
    const owner = await ownerOf(ticket.customerId);
    if (!owner) throw new Error(`customer ${ticket.customerId} has no record`);
    return await runSync(ticket, owner);
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
 * In a long-running server (`npm run dev`, self-hosted `next start`), drains every few seconds:
 * the backstop for syncs whose backoff ends after the webhook's own drain gave up. Serverless
 * deployments use the reconcile cron instead (docs/billing-sync.md).
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
