import type Stripe from "stripe";
import { NOW } from "@/lib/billing/sync/queue";
import { db } from "@/lib/db";

/**
 * `test_helpers.test_clock.ready` (test mode): a clock finished advancing, so its customers'
 * subscriptions, invoices and frozen time moved. In one statement: the event goes into the ledger
 * (processed on arrival; it names no customer) and each of the clock's customers this app knows
 * gets a sync request, like any event about a customer. A duplicate delivery is a no-op.
 */
export async function recordTestClockReady(
  event: Extract<Stripe.Event, { type: "test_helpers.test_clock.ready" }>,
): Promise<{ inserted: boolean; queued: boolean; outcome: string }> {
  const outcome = "queued a sync of the test clock's customers";
  const [row] = await db.$queryRawUnsafe<{ inserted: number; queued: number }[]>(
    `WITH known AS (
       SELECT id FROM "BillingCustomer" WHERE "testClockId" = $4 AND "livemode" = false
     ), ins AS (
       INSERT INTO "StripeEvent" ("id", "type", "livemode", "stripeCustomerId", "stripeCreatedAt",
         "receivedAt", "processedAt", "outcome", "attempts")
       VALUES ($1, $2, $3, NULL, $5, ${NOW}, ${NOW}, $6, 1)
       ON CONFLICT ("id") DO NOTHING
       RETURNING "id"
     ), asked AS (
       INSERT INTO "CustomerSync" ("customerId", "requestSeq", "runAfter")
       SELECT id, 1, ${NOW} FROM known WHERE EXISTS (SELECT 1 FROM ins)
       ON CONFLICT ("customerId") DO UPDATE SET "requestSeq" = "CustomerSync"."requestSeq" + 1
       RETURNING "customerId"
     )
     SELECT (SELECT count(*) FROM ins)::int AS "inserted", (SELECT count(*) FROM asked)::int AS "queued"`,
    event.id,
    event.type,
    event.livemode,
    event.data.object.id,
    new Date(event.created * 1000),
    outcome,
  );
  return {
    inserted: (row?.inserted ?? 0) > 0,
    queued: (row?.queued ?? 0) > 0,
    outcome,
  };
}
