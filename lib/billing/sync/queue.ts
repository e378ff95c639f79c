import { randomUUID } from "node:crypto";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * The sync queue: one `CustomerSync` row per customer (see prisma/schema.prisma). Every function
 * here is one short statement or a few inside the caller's short transaction: nothing in this
 * file holds a connection while Stripe is asked anything.
 *
 * - a request (webhook event, reconciliation) bumps `requestSeq`;
 * - a claim takes one pending row (`FOR UPDATE SKIP LOCKED`) under a lease, and a ticket: the
 *   next `fetchSeq` and the requests it covers (`requestSeq` and time at the claim);
 * - the write refuses a ticket whose `fetchSeq` is not newer than the snapshot already written;
 * - finishing marks the covered requests done and the covered ledger events processed, in the
 *   write's own transaction; a failure backs off. A crashed worker's lease simply expires.
 */

/** Timestamps are stored as UTC without a zone (Prisma's convention): compare them the same way. */
export const NOW = "(now() AT TIME ZONE 'UTC')";
/**
 * The time a claim's row is actually taken. `now()` is its statement's start: an event recorded
 * (and its request counted) by a statement that started later but committed before the claim
 * took the row would be covered by `claimedSeq` yet newer than a `now()` coverage time, and so
 * stay unprocessed with nothing pending. Seen under shuffled, late webhook delivery.
 */
const CLAIM_TIME = "(clock_timestamp() AT TIME ZONE 'UTC')";

/** How long a claim is exclusive: longer than any sync can take (reads time out after 15 s). */
export const LEASE_MS = 120_000;

const MAX_ERROR_LENGTH = 2_000;

/** What a sync needs to write and finish: its place in the customer's fetch order and coverage. */
export type SyncTicket = {
  customerId: string;
  fetchSeq: number;
  /** Requests up to this number are satisfied when the sync finishes. */
  coveredSeq: number;
  /** Ledger events received until then are processed when the sync finishes. */
  coveredUntil: Date;
  /** Set for a drain's claim; null for an immediate sync (checkout return, plan switch). */
  leaseToken: string | null;
};

type TicketRow = { customerId: string; fetchSeq: number; coveredSeq: number; coveredUntil: Date };

/**
 * The receive step, in one statement: insert a webhook event into the ledger (a copy already
 * there makes it a no-op) and bump the request of each customer it concerns that this app knows.
 * An event about one customer waits for that customer's sync; one about a test clock
 * (`testClockId`, test mode) names no customer, so it is processed on arrival while the clock's
 * customers get their sync requests. An event that needs no sync is processed on arrival with
 * `outcomeIfNoSync`.
 */
export async function recordEventAndRequestSync(event: {
  id: string;
  type: string;
  livemode: boolean;
  createdAt: Date;
  /** The customer to sync; null when the event needs no sync (or names a test clock). */
  customerId: string | null;
  /** A test clock whose customers to sync instead. */
  testClockId?: string;
  outcomeIfNoSync: string;
  /** A billing email the event asks for (emails/requests.ts): recorded with it, once. */
  email?: { kind: string; subjectId: string } | null;
}): Promise<{ inserted: boolean; queued: boolean; outcome: string }> {
  const [row] = await db.$queryRawUnsafe<{ inserted: number; queued: number }[]>(
    `WITH known AS (
       SELECT id FROM "BillingCustomer"
       WHERE id = $4 OR ("testClockId" = $7 AND "livemode" = false)
     ), waits AS (
       SELECT $4::text IS NOT NULL AND EXISTS (SELECT 1 FROM known) AS yes
     ), ins AS (
       INSERT INTO "StripeEvent" ("id", "type", "livemode", "stripeCustomerId", "stripeCreatedAt",
         "receivedAt", "processedAt", "outcome", "attempts")
       SELECT $1, $2, $3, $4, $5, ${NOW},
         CASE WHEN waits.yes THEN NULL ELSE ${NOW} END,
         CASE WHEN waits.yes THEN NULL ELSE $6 END,
         CASE WHEN waits.yes THEN 0 ELSE 1 END
       FROM waits
       ON CONFLICT ("id") DO NOTHING
       RETURNING "id"
     ), asked AS (
       INSERT INTO "CustomerSync" ("customerId", "requestSeq", "runAfter")
       SELECT id, 1, ${NOW} FROM known WHERE EXISTS (SELECT 1 FROM ins)
       ON CONFLICT ("customerId") DO UPDATE SET "requestSeq" = "CustomerSync"."requestSeq" + 1
       RETURNING "customerId"
     ), email AS (
       -- Only with the event's first copy, and only for a customer this app created.
       INSERT INTO "BillingEmail" ("id", "eventId", "kind", "livemode", "stripeCustomerId",
         "subjectId", "runAfter", "createdAt")
       SELECT gen_random_uuid()::text, $1, $8, $3, id, $9, ${NOW}, ${NOW}
       FROM known WHERE id = $4 AND $8::text IS NOT NULL AND EXISTS (SELECT 1 FROM ins)
       ON CONFLICT ("eventId", "kind") DO NOTHING
     )
     SELECT (SELECT count(*) FROM ins)::int AS "inserted", (SELECT count(*) FROM asked)::int AS "queued"`,
    event.id,
    event.type,
    event.livemode,
    event.customerId,
    event.createdAt,
    event.outcomeIfNoSync,
    event.testClockId ?? null,
    event.email?.kind ?? null,
    event.email?.subjectId ?? null,
  );
  return {
    inserted: (row?.inserted ?? 0) > 0,
    queued: (row?.queued ?? 0) > 0,
    outcome: event.outcomeIfNoSync,
  };
}

/**
 * Asks for a sync of these customers now, past any debounce or backoff (reconciliation; webhooks
 * ask through recordEventAndRequestSync).
 */
export async function requestSyncs(customerIds: readonly string[]): Promise<number> {
  if (customerIds.length === 0) return 0;
  return db.$executeRawUnsafe(
    `INSERT INTO "CustomerSync" ("customerId", "requestSeq", "runAfter")
     SELECT id, 1, ${NOW} FROM "BillingCustomer" WHERE id = ANY($1::text[])
     ON CONFLICT ("customerId") DO UPDATE SET "requestSeq" = "CustomerSync"."requestSeq" + 1,
       "runAfter" = LEAST("CustomerSync"."runAfter", ${NOW})`,
    customerIds,
  );
}

/**
 * Claims one customer that needs a sync and is free (not leased, not backing off), skipping rows
 * other workers hold. `onlyCustomerIds` limits the claim (reconciliation drains its own batch).
 */
export async function claimNext(onlyCustomerIds?: readonly string[]): Promise<SyncTicket | null> {
  const token = randomUUID();
  // The pick is a CTE compared as a scalar: run once, it leases at most one row. Joined as a
  // subquery in FROM, `FOR UPDATE SKIP LOCKED LIMIT 1` can be evaluated again by the executor
  // under concurrent updates and lease a second row that RETURNING hands to no worker, which then
  // sits leased and unsynced until the lease expires (seen in CI after a Stripe stall).
  const rows = await db.$queryRawUnsafe<TicketRow[]>(
    `WITH ready AS (
       SELECT "customerId" FROM "CustomerSync"
       WHERE "requestSeq" > "doneSeq" AND "runAfter" <= ${NOW}
         AND ("leaseUntil" IS NULL OR "leaseUntil" < ${NOW})
         AND ($3::text[] IS NULL OR "customerId" = ANY($3::text[]))
       ORDER BY "runAfter"
       LIMIT 1
       FOR UPDATE SKIP LOCKED
     )
     UPDATE "CustomerSync" AS cs SET
       "leaseUntil" = ${NOW} + $1::float8 * interval '1 millisecond',
       "leaseToken" = $2,
       "claimedSeq" = cs."requestSeq",
       "claimedAt" = ${CLAIM_TIME},
       "fetchSeq" = cs."fetchSeq" + 1
     WHERE cs."customerId" = (SELECT "customerId" FROM ready)
     RETURNING cs."customerId", cs."fetchSeq", cs."claimedSeq" AS "coveredSeq",
       cs."claimedAt" AS "coveredUntil"`,
    LEASE_MS,
    token,
    onlyCustomerIds ? [...onlyCustomerIds] : null,
  );
  const [row, ...extra] = rows;
  if (extra.length > 0) {
    // Cannot happen with the statement above; if it ever does, no lease is left without a worker.
    console.error(`[billing] a claim leased ${rows.length} customers; releasing all but one`);
    await releaseLeases(
      token,
      extra.map((r) => r.customerId),
    );
  }
  return row ? { ...row, leaseToken: token } : null;
}

/** Gives up this token's leases of these customers, so any worker can claim them again. */
async function releaseLeases(token: string, customerIds: string[]): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE "CustomerSync" SET "leaseUntil" = NULL, "leaseToken" = NULL
     WHERE "leaseToken" = $1 AND "customerId" = ANY($2::text[])`,
    token,
    customerIds,
  );
}

/** A ticket for a sync that runs now, outside the drain (it still goes through the guard). */
export async function immediateTicket(customerId: string): Promise<SyncTicket> {
  const rows = await db.$queryRawUnsafe<TicketRow[]>(
    `INSERT INTO "CustomerSync" ("customerId", "fetchSeq", "runAfter") VALUES ($1, 1, ${NOW})
     ON CONFLICT ("customerId") DO UPDATE SET "fetchSeq" = "CustomerSync"."fetchSeq" + 1
     RETURNING "customerId", "fetchSeq", "requestSeq" AS "coveredSeq", ${CLAIM_TIME} AS "coveredUntil"`,
    customerId,
  );
  const row = rows[0];
  if (!row) throw new Error(`Could not start a sync of ${customerId}.`);
  return { ...row, leaseToken: null };
}

/**
 * The guard, first statement of the write's transaction: true when this ticket's fetch is newer
 * than the snapshot already written (then the row stays locked until commit, so writes of one
 * customer never interleave); false when a newer fetch has already been written.
 */
export async function takeSnapshotSlot(
  tx: Prisma.TransactionClient,
  ticket: SyncTicket,
): Promise<boolean> {
  const updated = await tx.$executeRaw`
    UPDATE "CustomerSync" SET "snapshotSeq" = ${ticket.fetchSeq}
    WHERE "customerId" = ${ticket.customerId} AND "snapshotSeq" < ${ticket.fetchSeq}`;
  return updated === 1;
}

/**
 * Marks the ticket's requests done and its events processed with `outcome`, inside the write's
 * transaction. Requests that arrived during the sync stay pending, not before `minIntervalMs`:
 * a burst of one customer's events costs one sync per interval, not one per event.
 */
export async function finishTicket(
  tx: Prisma.TransactionClient,
  ticket: SyncTicket,
  outcome: string,
  minIntervalMs: number,
): Promise<void> {
  await tx.$executeRawUnsafe(
    `UPDATE "CustomerSync" SET
       "doneSeq" = GREATEST("doneSeq", $2::int),
       "failures" = CASE WHEN "requestSeq" <= GREATEST("doneSeq", $2::int) THEN 0 ELSE "failures" END,
       "lastError" = CASE WHEN "requestSeq" <= GREATEST("doneSeq", $2::int) THEN NULL ELSE "lastError" END,
       "runAfter" = CASE WHEN "requestSeq" > GREATEST("doneSeq", $2::int)
                    THEN ${NOW} + $3::float8 * interval '1 millisecond' ELSE "runAfter" END,
       "leaseUntil" = CASE WHEN "leaseToken" = $4 THEN NULL ELSE "leaseUntil" END,
       "leaseToken" = CASE WHEN "leaseToken" = $4 THEN NULL ELSE "leaseToken" END,
       "syncCount" = "syncCount" + 1,
       "lastSyncedAt" = ${NOW}
     WHERE "customerId" = $1`,
    ticket.customerId,
    ticket.coveredSeq,
    minIntervalMs,
    ticket.leaseToken,
  );
  await tx.$executeRawUnsafe(
    `UPDATE "StripeEvent" SET "processedAt" = ${NOW}, "outcome" = $3, "lastError" = NULL,
       "attempts" = "attempts" + 1
     WHERE "stripeCustomerId" = $1 AND "processedAt" IS NULL AND "receivedAt" <= $2`,
    ticket.customerId,
    ticket.coveredUntil,
    outcome,
  );
}

/** Backoff after consecutive failures: about 1 s, 2 s, 4 s, ... up to 5 minutes. */
const MAX_BACKOFF_MS = 300_000;

/**
 * A failed sync of a claimed customer: the lease is released, the next try waits with backoff,
 * and the covered events show the attempt and the error in the ledger.
 */
export async function failTicket(ticket: SyncTicket, error: string): Promise<void> {
  // One statement, not an interactive transaction: when the pool is starved (the usual reason a
  // sync fails on the database side) this still gets through, instead of leaving the lease to
  // run out.
  // Jitter, so customers that failed together do not all come back at the same instant.
  const base = 500 + Math.random() * 500;
  await db.$executeRawUnsafe(
    `WITH failed AS (
       UPDATE "CustomerSync" SET "failures" = "failures" + 1, "lastError" = $2,
         "leaseUntil" = NULL, "leaseToken" = NULL,
         "runAfter" = ${NOW} + LEAST($4::float8 * power(2, "failures"), $5::float8)
                      * interval '1 millisecond'
       WHERE "customerId" = $1 AND "leaseToken" = $3
       RETURNING "customerId"
     )
     UPDATE "StripeEvent" SET "attempts" = "attempts" + 1, "lastError" = $2
     WHERE "stripeCustomerId" = $1 AND "processedAt" IS NULL AND "receivedAt" <= $6`,
    ticket.customerId,
    error.slice(0, MAX_ERROR_LENGTH),
    ticket.leaseToken,
    base,
    MAX_BACKOFF_MS,
    ticket.coveredUntil,
  );
}

/**
 * Milliseconds until a pending customer may be claimed (0 when one is ready now), or null when
 * nothing is pending. Customers leased by other workers count only for a drain of given customers
 * (reconciliation waits for them: their sync finishes there, then its own request is claimable);
 * the shared drain leaves them to their workers.
 */
export async function msUntilNextClaimable(
  onlyCustomerIds?: readonly string[],
): Promise<number | null> {
  const rows = await db.$queryRawUnsafe<{ wait: number | null }[]>(
    `SELECT (EXTRACT(EPOCH FROM (min(
       CASE WHEN "leaseUntil" >= ${NOW} THEN ${NOW} + interval '250 milliseconds'
            ELSE "runAfter" END) - ${NOW})) * 1000)::float8 AS "wait"
     FROM "CustomerSync"
     WHERE "requestSeq" > "doneSeq"
       AND ($1::text[] IS NULL AND ("leaseUntil" IS NULL OR "leaseUntil" < ${NOW})
            OR "customerId" = ANY($1::text[]))`,
    onlyCustomerIds ? [...onlyCustomerIds] : null,
  );
  const wait = rows[0]?.wait;
  return wait === null || wait === undefined ? null : Math.max(0, wait);
}
