import type Stripe from "stripe";
import { adoptStripeCustomers } from "@/lib/billing/sync/adopt-customers";
import {
  DEFAULT_DRAIN_BUDGET_MS,
  drainSyncQueue,
  type DrainResult,
} from "@/lib/billing/sync/drain";
import { pruneProcessedEvents, redriveStaleEvents } from "@/lib/billing/sync/ledger";
import { requestSyncs } from "@/lib/billing/sync/queue";
import { diffSnapshots, emptySnapshot, snapshot } from "@/lib/billing/sync/reconcile-diff";
import { recordRun } from "@/lib/billing/sync/reconcile-runs";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { withLease } from "@/lib/lease";
import { assertStripeAvailable } from "@/lib/billing/stripe/availability";
import { getStripe, stripeMode, type StripeMode } from "@/lib/stripe";

/**
 * `npm run stripe:reconcile` and the reconcile cron: the backstop of the webhook pipeline. It
 * re-asks for the customers of ledger events that were received but never processed, drains
 * whatever the queue holds, then walks known customers of the key's mode from the least recently
 * synced, a batch at a time, through the same queue and drain as the webhooks, and reports per
 * customer what that changed in our database. With a time budget it stops between batches; the
 * next run starts again from the least recently synced, which is where this one stopped. Safe at
 * any time: a consistent database comes out unchanged.
 */

export type ReconcileOptions = {
  /** Also adopt Stripe customers whose metadata.userId names one of our users but we lost track of. */
  includeStripeCustomers?: boolean;
  /** Only these customers (tests and one-off repairs); skips the backstop steps. */
  customerIds?: readonly string[];
  /** Stop starting batches after this long; unset means walk every customer. */
  budgetMs?: number;
  /** Also delete processed ledger rows older than BILLING_EVENT_RETENTION_DAYS (the cron does). */
  prune?: boolean;
  stripe?: Stripe;
  mode?: StripeMode;
  log?: (line: string) => void;
  /**
   * Who ran it, recorded with the run in `ReconcileRun` for /admin/billing: "cron", "cli", or
   * (the default) "manual" for other callers (tests, one-off repairs).
   */
  source?: string;
};

export type CustomerReconciliation = {
  customerId: string;
  userId: string | null;
  status: "unchanged" | "changed" | "skipped" | "failed";
  /** Recorded now from Stripe (only with `includeStripeCustomers`). */
  adopted: boolean;
  /** One line per changed row: what our database said before, and what it says now. */
  changes: string[];
  reason?: string;
};

/** Refused webhook signatures are counted per minute (receive.ts); the doctor reads a day. */
const WEBHOOK_REJECTION_RETENTION_DAYS = 7;

export type ReconcileResult = {
  mode: StripeMode;
  /** Customers of the mode that the walk could have visited, and how many it did. */
  total: number;
  checked: number;
  changed: number;
  unchanged: number;
  adopted: number;
  skipped: number;
  failed: number;
  /** Stale ledger events whose customers were asked for again. */
  redriven: number;
  /** Syncs the backstop drain ran for what the queue already held. */
  drained: number;
  pruned: number;
  /** Per-minute counts of refused webhook signatures past a week, deleted with `prune`. */
  prunedWebhookRejections: number;
  /** True when the budget ran out before the walk visited every customer. */
  stoppedEarly: boolean;
  customers: CustomerReconciliation[];
};

/** Customers reconciled per queue round: small enough to report on, large enough to overlap. */
const BATCH_SIZE = 10;
/** An event unprocessed for this long is past any debounce, backoff or running drain. */
const STALE_EVENT_MS = 5 * 60_000;

/**
 * One run at a time (a lease; LeaseBusyError when another holds it), except for runs limited to
 * given customers.
 */
export function reconcileBilling(options: ReconcileOptions = {}): Promise<ReconcileResult> {
  if (options.customerIds) return reconcile(options);
  const ttlMs = (options.budgetMs ?? 3_600_000) + 60_000;
  return withLease("reconcile", () => reconcile(options), { ttlMs, waitMs: 0 });
}

async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const startedAt = new Date();
  const deadline = options.budgetMs ? Date.now() + options.budgetMs : Infinity;
  const mode = options.mode ?? stripeMode();
  const log = options.log ?? (() => undefined);
  const live = mode === "live";
  const targeted = options.customerIds !== undefined;
  const stripe = options.stripe ?? getStripe();
  await assertStripeAvailable(stripe);

  const adoptedIds = options.includeStripeCustomers
    ? await adoptStripeCustomers(stripe, live, log)
    : new Set<string>();

  let redriven = 0;
  let drained = 0;
  if (!targeted) {
    redriven = await redriveStaleEvents(STALE_EVENT_MS);
    const backstop = await drainSyncQueue({ budgetMs: remaining(deadline) });
    drained = backstop.synced + backstop.skipped + backstop.failed;
  }

  const scope = {
    livemode: live,
    deleted: false,
    ...(targeted && { id: { in: [...(options.customerIds ?? [])] } }),
  };
  const total = await db.billingCustomer.count({ where: scope });
  const customers: CustomerReconciliation[] = [];
  let cursor: { syncedAt: Date | null; id: string } | null = null;
  let stoppedEarly = false;
  for (;;) {
    if (Date.now() >= deadline) {
      stoppedEarly = customers.length < total;
      break;
    }
    // Least recently synced first; what anyone synced since this run began is fresh already.
    const batch: { id: string; userId: string; syncedAt: Date | null }[] =
      await db.billingCustomer.findMany({
        where: {
          ...scope,
          AND: [
            { OR: [{ syncedAt: null }, { syncedAt: { lt: startedAt } }] },
            ...(cursor ? [afterCursor(cursor)] : []),
          ],
        },
        select: { id: true, userId: true, syncedAt: true },
        orderBy: [{ syncedAt: { sort: "asc", nulls: "first" } }, { id: "asc" }],
        take: BATCH_SIZE,
      });
    if (batch.length === 0) break;
    cursor = batch.at(-1) ?? null;
    for (const outcome of await reconcileBatch(batch, adoptedIds)) {
      customers.push(outcome);
      logOutcome(outcome, log);
    }
  }

  const pruned = options.prune ? await pruneProcessedEvents(env.BILLING_EVENT_RETENTION_DAYS) : 0;
  const prunedWebhookRejections = options.prune
    ? (
        await db.webhookRejection.deleteMany({
          where: {
            minute: { lt: new Date(Date.now() - WEBHOOK_REJECTION_RETENTION_DAYS * 86_400_000) },
          },
        })
      ).count
    : 0;
  const count = (status: CustomerReconciliation["status"]) =>
    customers.filter((c) => c.status === status).length;
  const result: ReconcileResult = {
    mode,
    total,
    checked: customers.length,
    changed: count("changed"),
    unchanged: count("unchanged"),
    adopted: adoptedIds.size,
    skipped: count("skipped"),
    failed: count("failed"),
    redriven,
    drained,
    pruned,
    prunedWebhookRejections,
    stoppedEarly,
    customers,
  };
  log(summaryLine(result, options));
  await recordRun(result, options.source ?? "manual", startedAt);
  return result;
}

/** The run in one line, for the CLI and the cron's log. */
function summaryLine(result: ReconcileResult, options: ReconcileOptions): string {
  const of = result.stoppedEarly ? ` of ${result.total}` : "";
  const plural = (result.stoppedEarly ? result.total : result.checked) === 1 ? "" : "s";
  const parts = [
    `Reconciled ${result.checked}${of} customer${plural} in ${result.mode} mode: ` +
      `${result.changed} changed, ${result.unchanged} unchanged, ${result.skipped} skipped, ${result.failed} failed` +
      (options.includeStripeCustomers ? ` (${result.adopted} adopted from Stripe)` : ""),
  ];
  if (result.stoppedEarly) parts.push("budget reached, the next run resumes from there");
  if (!options.customerIds) {
    parts.push(`${result.redriven} stale events re-driven, ${result.drained} queued syncs drained`);
  }
  if (options.prune) {
    parts.push(
      `${result.pruned} old ledger rows pruned (and ${result.prunedWebhookRejections} old webhook rejection counts)`,
    );
  }
  return `${parts.join("; ")}.`;
}

function remaining(deadline: number): number {
  return Number.isFinite(deadline) ? Math.max(0, deadline - Date.now()) : DEFAULT_DRAIN_BUDGET_MS;
}

function afterCursor(cursor: { syncedAt: Date | null; id: string }) {
  if (cursor.syncedAt === null) {
    return { OR: [{ syncedAt: null, id: { gt: cursor.id } }, { syncedAt: { not: null } }] };
  }
  return {
    OR: [
      { syncedAt: cursor.syncedAt, id: { gt: cursor.id } },
      { syncedAt: { gt: cursor.syncedAt } },
    ],
  };
}

/** Syncs one batch through the queue and reports each customer's change. */
async function reconcileBatch(
  batch: readonly { id: string; userId: string }[],
  adoptedIds: ReadonlySet<string>,
): Promise<CustomerReconciliation[]> {
  const ids = batch.map((c) => c.id);
  const before = new Map(
    await Promise.all(ids.map(async (id) => [id, await snapshot(id)] as const)),
  );
  const results = new Map<string, DrainResult>();
  await requestSyncs(ids);
  await drainSyncQueue({
    customerIds: ids,
    concurrency: Math.min(ids.length, env.BILLING_SYNC_CONCURRENCY),
    onResult: (result) => results.set(result.customerId, result),
  });

  return Promise.all(
    batch.map(async ({ id, userId }): Promise<CustomerReconciliation> => {
      const adopted = adoptedIds.has(id);
      const base = { customerId: id, userId, adopted, changes: [] };
      // Not synced by this drain: another worker held it (and syncs it), or it is backing off.
      const result = results.get(id) ?? {
        status: "failed" as const,
        reason: "another sync of this customer was running; it will finish there",
      };
      if (result.status === "failed" || result.status === "skipped") {
        return { ...base, status: result.status, reason: result.reason };
      }
      const changes = diffSnapshots(before.get(id) ?? emptySnapshot, await snapshot(id));
      return {
        ...base,
        status: changes.length || adopted ? "changed" : "unchanged",
        changes: adopted ? ["adopted from Stripe (metadata.userId)", ...changes] : changes,
      };
    }),
  );
}

function logOutcome(c: CustomerReconciliation, log: (line: string) => void): void {
  if (c.status === "unchanged") return;
  if (c.status === "changed") {
    log(`${c.customerId} (user ${c.userId}): changed`);
    for (const change of c.changes) log(`  ${change}`);
    return;
  }
  log(`${c.customerId} (user ${c.userId}): ${c.status}: ${c.reason ?? ""}`);
}

// ---- What changed: our rows before and after the sync ----
