import { db } from "@/lib/db";
import { NOW } from "@/lib/billing/sync/queue";

/**
 * The event ledger's upkeep (`StripeEvent` rows): how much is waiting, the backstop that re-asks
 * for customers whose events were never processed, and retention. The receive step and the
 * queue's finish write the ledger; these run from reconciliation, reports and tests.
 */

/** Counts for reports and tests: customers waiting for a sync, and ledger events not processed. */
export async function queueDepth(): Promise<{ pendingCustomers: number; pendingEvents: number }> {
  const [row] = await db.$queryRawUnsafe<{ pendingCustomers: number; pendingEvents: number }[]>(
    `SELECT
       (SELECT count(*) FROM "CustomerSync" WHERE "requestSeq" > "doneSeq")::int AS "pendingCustomers",
       (SELECT count(*) FROM "StripeEvent" WHERE "processedAt" IS NULL)::int AS "pendingEvents"`,
  );
  return row ?? { pendingCustomers: 0, pendingEvents: 0 };
}

/**
 * Re-asks for the customers of ledger events received more than `olderThanMs` ago and still not
 * processed, whose customer is not already waiting (the backstop for anything the queue lost
 * track of). Such events of a customer no longer recorded are closed as skipped. Returns how many
 * events were re-driven.
 */
export async function redriveStaleEvents(olderThanMs: number): Promise<number> {
  await db.$executeRawUnsafe(
    `UPDATE "StripeEvent" e SET "processedAt" = ${NOW}, "outcome" = 'skipped: customer no longer recorded'
     WHERE e."processedAt" IS NULL AND e."receivedAt" < ${NOW} - $1::float8 * interval '1 millisecond'
       AND NOT EXISTS (SELECT 1 FROM "BillingCustomer" bc WHERE bc.id = e."stripeCustomerId")`,
    olderThanMs,
  );
  const rows = await db.$queryRawUnsafe<{ events: number }[]>(
    `WITH stale AS (
       SELECT e."stripeCustomerId" AS id, count(*) AS n FROM "StripeEvent" e
       LEFT JOIN "CustomerSync" cs ON cs."customerId" = e."stripeCustomerId"
       WHERE e."processedAt" IS NULL AND e."stripeCustomerId" IS NOT NULL
         AND e."receivedAt" < ${NOW} - $1::float8 * interval '1 millisecond'
         AND (cs."customerId" IS NULL OR cs."requestSeq" <= cs."doneSeq")
       GROUP BY e."stripeCustomerId"
     ), asked AS (
       INSERT INTO "CustomerSync" ("customerId", "requestSeq", "runAfter")
       SELECT id, 1, ${NOW} FROM stale
       ON CONFLICT ("customerId") DO UPDATE SET "requestSeq" = "CustomerSync"."requestSeq" + 1,
         "runAfter" = ${NOW}
       RETURNING "customerId"
     )
     SELECT coalesce(sum(n), 0)::int AS "events" FROM stale WHERE id IN (SELECT "customerId" FROM asked)`,
    olderThanMs,
  );
  return rows[0]?.events ?? 0;
}

/**
 * Deletes processed ledger rows older than the retention window, and finished billing emails
 * (sent, skipped, given up) as old; returns how many ledger rows. An email row lives as long as
 * its event's: a copy of the event delivered later still finds it and sends nothing.
 */
export async function pruneProcessedEvents(retentionDays: number): Promise<number> {
  await db.$executeRawUnsafe(
    `DELETE FROM "BillingEmail"
     WHERE "status" <> 'pending' AND "createdAt" < ${NOW} - $1::float8 * interval '1 day'`,
    retentionDays,
  );
  return db.$executeRawUnsafe(
    `DELETE FROM "StripeEvent"
     WHERE "processedAt" IS NOT NULL AND "processedAt" < ${NOW} - $1::float8 * interval '1 day'`,
    retentionDays,
  );
}
