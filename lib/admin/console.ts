import { z } from "zod";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * The billing console's data (/admin/billing), from our records only: no Stripe call on render.
 * Timestamps are stored as UTC without a zone (Prisma's convention), so the SQL below compares
 * and buckets them in UTC.
 */

export const EVENT_FILTERS = ["all", "failed", "pending"] as const;
export type EventFilter = (typeof EVENT_FILTERS)[number];

/** `?filter=`: failed or pending; anything else (absent, repeated, unknown) is all. */
export function parseEventFilter(raw: unknown): EventFilter {
  return z.enum(EVENT_FILTERS).catch("all").parse(raw);
}

export const EVENT_LIMIT = 50;

export type ConsoleEvent = {
  id: string;
  type: string;
  customerId: string | null;
  outcome: string | null;
  attempts: number;
  lastError: string | null;
  receivedAt: Date;
  processedAt: Date | null;
  failed: boolean;
};

const FAILED: Prisma.StripeEventWhereInput = {
  OR: [{ lastError: { not: null } }, { outcome: { startsWith: "failed" } }],
};

/** The newest webhook events (the ledger), 50 at most. */
export async function recentEvents(
  filter: EventFilter = "all",
  limit = EVENT_LIMIT,
): Promise<ConsoleEvent[]> {
  const where: Prisma.StripeEventWhereInput =
    filter === "failed" ? FAILED : filter === "pending" ? { processedAt: null } : {};
  const rows = await db.stripeEvent.findMany({
    where,
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    take: limit,
  });
  return rows.map((row) => ({
    id: row.id,
    type: row.type,
    customerId: row.stripeCustomerId,
    outcome: row.outcome,
    attempts: row.attempts,
    lastError: row.lastError,
    receivedAt: row.receivedAt,
    processedAt: row.processedAt,
    failed: row.lastError !== null || (row.outcome?.startsWith("failed") ?? false),
  }));
}

export type QueuedCustomer = {
  customerId: string;
  /** Requests not yet covered by a finished sync. */
  waiting: number;
  failures: number;
  lastError: string | null;
  runAfter: Date;
  leased: boolean;
  lastSyncedAt: Date | null;
};

/** Customers waiting for a sync or failing, failing ones first. */
export async function syncQueue(limit = 50): Promise<QueuedCustomer[]> {
  return db.$queryRawUnsafe<QueuedCustomer[]>(
    `SELECT "customerId", ("requestSeq" - "doneSeq")::int AS "waiting", "failures", "lastError",
       "runAfter", ("leaseUntil" IS NOT NULL AND "leaseUntil" > (now() AT TIME ZONE 'UTC')) AS "leased",
       "lastSyncedAt"
     FROM "CustomerSync"
     WHERE "requestSeq" > "doneSeq" OR "failures" > 0
     ORDER BY "failures" DESC, "runAfter" ASC
     LIMIT $1`,
    limit,
  );
}

/** A pending email older than this waits on something (its customer's sync, say): shown too. */
const EMAIL_OVERDUE_MS = 10 * 60_000;

/**
 * Billing emails that failed for good, wait to be retried after a failure, or are overdue.
 */
export function emailFailures(limit = 50) {
  return db.billingEmail.findMany({
    where: {
      OR: [
        { status: "failed" },
        { status: "pending", attempts: { gt: 0 } },
        { status: "pending", createdAt: { lt: new Date(Date.now() - EMAIL_OVERDUE_MS) } },
      ],
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
    select: {
      id: true,
      kind: true,
      stripeCustomerId: true,
      status: true,
      attempts: true,
      lastError: true,
      runAfter: true,
      createdAt: true,
    },
  });
}

/** The newest reconciliation run (the cron's or `npm run stripe:reconcile`'s) and its changes. */
export async function lastReconcileRun() {
  const run = await db.reconcileRun.findFirst({ orderBy: [{ startedAt: "desc" }, { id: "desc" }] });
  if (!run) return null;
  return { ...run, lines: run.changes ? run.changes.split("\n") : [] };
}

// ---- Hourly series for the last 24 hours ----

export const SERIES_HOURS = 24;
export type HourPoint = { hour: Date; value: number };
export type HourlySeries = {
  received: HourPoint[];
  errors: HourPoint[];
  /** Median seconds from receipt to the end of the sync that covered the event (synced only). */
  latencySeconds: HourPoint[];
};

const HOUR_MS = 3_600_000;
type Bucket = { hour: number; value: number | null };

/**
 * Per hour (UTC) over the last 24: events received, received events that carry an error, and
 * the median sync latency of the events received that hour. One query each, bucketed with
 * date_trunc('hour'); hours without events are zeros.
 */
export async function hourlySeries(now: Date = new Date()): Promise<HourlySeries> {
  const first = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - (SERIES_HOURS - 1) * HOUR_MS;
  const since = first / 1_000;
  const hour = `EXTRACT(EPOCH FROM date_trunc('hour', "receivedAt"))::float8`;
  const window = `"receivedAt" >= (to_timestamp($1::float8) AT TIME ZONE 'UTC')`;
  const [received, errors, latency] = await Promise.all([
    db.$queryRawUnsafe<Bucket[]>(
      `SELECT ${hour} AS "hour", count(*)::float8 AS "value"
       FROM "StripeEvent" WHERE ${window} GROUP BY 1`,
      since,
    ),
    db.$queryRawUnsafe<Bucket[]>(
      `SELECT ${hour} AS "hour", count(*)::float8 AS "value"
       FROM "StripeEvent"
       WHERE ${window} AND ("lastError" IS NOT NULL OR "outcome" LIKE 'failed%')
       GROUP BY 1`,
      since,
    ),
    db.$queryRawUnsafe<Bucket[]>(
      `SELECT ${hour} AS "hour",
         percentile_cont(0.5) WITHIN GROUP (
           ORDER BY EXTRACT(EPOCH FROM ("processedAt" - "receivedAt")))::float8 AS "value"
       FROM "StripeEvent"
       WHERE ${window} AND "processedAt" IS NOT NULL AND "outcome" = 'synced'
       GROUP BY 1`,
      since,
    ),
  ]);
  return {
    received: fill(first, received),
    errors: fill(first, errors),
    latencySeconds: fill(first, latency),
  };
}

function fill(firstMs: number, buckets: Bucket[]): HourPoint[] {
  const byHour = new Map(buckets.map((b) => [Math.round(b.hour * 1_000), b.value ?? 0]));
  return Array.from({ length: SERIES_HOURS }, (_, i) => {
    const at = firstMs + i * HOUR_MS;
    return { hour: new Date(at), value: byHour.get(at) ?? 0 };
  });
}

/** Everything /admin/billing shows, read at once. */
export async function loadBillingConsole(filter: EventFilter) {
  const [events, queue, emails, reconcile, series] = await Promise.all([
    recentEvents(filter),
    syncQueue(),
    emailFailures(),
    lastReconcileRun(),
    hourlySeries(),
  ]);
  return { filter, events, queue, emails, reconcile, series };
}
