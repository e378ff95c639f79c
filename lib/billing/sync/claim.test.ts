/**
 * The queue's claim under concurrency: every lease a claim takes is handed to exactly one worker.
 * A claim that leased a second row and returned only one left that customer leased, unsynced,
 * until the lease expired two minutes later (seen in CI as "sync queue did not settle" with a
 * leased row, no failure and no error). The planner is pushed to nested loops, the plan shape
 * under which PostgreSQL re-runs a `FOR UPDATE SKIP LOCKED LIMIT 1` subquery of a join.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrivateDatabase } from "@/lib/billing/testing/database";

let database: Awaited<ReturnType<typeof createPrivateDatabase>>;
let queue: typeof import("@/lib/billing/sync/queue");
let db: typeof import("@/lib/db").db;

const ROWS = 200;
const WORKERS = 16;

beforeAll(async () => {
  database = await createPrivateDatabase("claim");
  const admin = new pg.Client(database.url);
  await admin.connect();
  // Database-wide, so every pooled connection the app opens plans the claim this way.
  await admin.query(
    `ALTER DATABASE "${database.name}" SET enable_hashjoin = off; ` +
      `ALTER DATABASE "${database.name}" SET enable_mergejoin = off; ` +
      `ALTER DATABASE "${database.name}" SET enable_material = off`,
  );
  await admin.end();
  process.env.DATABASE_URL = database.url;
  process.env.DATABASE_POOL_SIZE = String(WORKERS);
  process.env.STRIPE_SECRET_KEY ??= "sk_test_claim_unit";
  queue = await import("@/lib/billing/sync/queue");
  ({ db } = await import("@/lib/db"));
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe("claimNext", () => {
  it("never leases a customer it does not hand out, with many workers claiming at once", async () => {
    for (let round = 0; round < 20; round++) {
      await db.customerSync.deleteMany();
      const user = await db.user.create({ data: { email: `claim-${round}@example.test` } });
      await db.billingCustomer.createMany({
        data: Array.from({ length: ROWS }, (_, i) => ({
          id: `cus_claim_${round}_${i}`,
          userId: user.id,
          livemode: false,
        })),
      });
      await db.customerSync.createMany({
        data: Array.from({ length: ROWS }, (_, i) => ({
          customerId: `cus_claim_${round}_${i}`,
          requestSeq: 1,
          runAfter: new Date(Date.now() - 60_000 + i),
        })),
      });
      const handedOut: string[] = [];
      let requesting = true;
      // Webhooks keep arriving meanwhile: their requests update the rows the claims look at.
      const requests = (async () => {
        for (let n = 0; n < ROWS; n++) {
          await queue.requestSyncs([`cus_claim_${round}_${Math.floor(Math.random() * ROWS)}`]);
        }
        requesting = false;
      })();
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          for (;;) {
            const ticket = await queue.claimNext();
            if (!ticket) {
              if (!requesting) return;
              await new Promise((resolve) => setTimeout(resolve, 1));
              continue;
            }
            handedOut.push(ticket.customerId);
            // Done at once: the row frees its lock for the others' next claims.
            await db.customerSync.update({
              where: { customerId: ticket.customerId },
              data: { doneSeq: ticket.coveredSeq, leaseUntil: null, leaseToken: null },
            });
          }
        }),
      );
      await requests;
      const stranded = await db.customerSync.findMany({
        where: { leaseToken: { not: null } },
        select: { customerId: true },
      });
      expect(stranded, `round ${round}`).toEqual([]);
      // Every customer was handed out at least once (a request may have asked again meanwhile).
      expect(new Set(handedOut).size, `round ${round}`).toBe(ROWS);
    }
  });
});
