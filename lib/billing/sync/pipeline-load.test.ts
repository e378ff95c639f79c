import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  postDelivery,
  subscribedCustomer,
  subscriptionUpdatedEvent,
  syncsOf,
} from "@/lib/billing/testing/customers";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";

// The pipeline under a burst and under a stalled Stripe, with the production debounce and a small
// pool (as on serverless). Figures for this machine are in docs/benchmarks.md (`npm run bench`);
// these tests assert behaviour, not speed.
const POOL_SIZE = 3;

let harness: BillingHarness;
let db: typeof import("@/lib/db").db;

beforeAll(async () => {
  harness = await startBillingHarness({ syncMinIntervalMs: 2_000, databasePoolSize: POOL_SIZE });
  ({ db } = await import("@/lib/db"));
  const { runStripeSetup } = await import("@/lib/billing/config/setup");
  await runStripeSetup();
});

afterEach(async () => {
  await harness.ctl.clearFaults();
  await harness.settle();
});

afterAll(async () => {
  await harness?.stop();
});

/** Sends `count` fresh events, `concurrency` at a time; returns the answers' statuses. */
async function burst(
  count: number,
  concurrency: number,
  next: (i: number) => Promise<{ payload: string; signature: () => string }>,
): Promise<number[]> {
  const statuses: number[] = [];
  let sent = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < count) {
        const i = sent++;
        statuses.push((await postDelivery(harness, await next(i))).status);
      }
    }),
  );
  return statuses;
}

describe("a burst", () => {
  it("1,000 events for one customer cost a handful of syncs, and every one is processed", async () => {
    const { customerId, subscription } = await subscribedCustomer(harness, "burst");
    const template = await subscriptionUpdatedEvent(subscription.id);
    const syncsBefore = await syncsOf(customerId);
    await harness.ctl.resetRequests();

    const statuses = await burst(1_000, 20, async () => {
      const { eventJson, signPayload } = await import("@/lib/billing/testing/signed-events");
      const { TEST_WEBHOOK_SECRET } = await import("@/lib/billing/testing/harness");
      const { payload } = eventJson({
        type: "customer.subscription.updated",
        object: JSON.parse(template.payload).data.object as Record<string, unknown>,
      });
      return { payload, signature: () => signPayload(payload, TEST_WEBHOOK_SECRET) };
    });
    expect(statuses.filter((s) => s === 200)).toHaveLength(1_000);

    await harness.settle();
    const syncs = (await syncsOf(customerId)) - syncsBefore;
    expect(syncs).toBeGreaterThanOrEqual(1);
    expect(syncs).toBeLessThanOrEqual(10);
    expect((await harness.ctl.requests()).byCustomer[customerId]).toBeLessThanOrEqual(3 * syncs);
    const unprocessed = await db.stripeEvent.count({
      where: { stripeCustomerId: customerId, processedAt: null },
    });
    expect(unprocessed).toBe(0);
    expect(
      await db.stripeEvent.count({ where: { stripeCustomerId: customerId, outcome: "synced" } }),
    ).toBeGreaterThanOrEqual(1_000);
  });
});

describe("a stalled Stripe", () => {
  it("holds no database connection: with every worker waiting on Stripe, queries still answer", async () => {
    const customers = [];
    for (let i = 0; i < 6; i++) customers.push(await subscribedCustomer(harness, `stall-${i}`));
    const events = await Promise.all(
      customers.map((c) => subscriptionUpdatedEvent(c.subscription.id)),
    );
    await harness.ctl.setApiFaults({ stall: true });

    const answers = await Promise.all(events.map((event) => postDelivery(harness, event)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // More syncs are waiting on Stripe than the pool has connections. Waited for, not read once:
    // each sync makes three reads, so a few stalled requests can be just two syncs, and the
    // customers set up last are claimable only once the debounce since their setup sync is over.
    await expect
      .poll(() => db.customerSync.count({ where: { leaseToken: { not: null } } }), {
        timeout: 15_000,
      })
      .toBeGreaterThan(POOL_SIZE);
    await expect
      .poll(async () => (await harness.ctl.requests()).stalled, { timeout: 10_000 })
      .toBeGreaterThan(POOL_SIZE);

    // What every page does first (the Auth.js session lookup), and a short transaction.
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      await db.session.findFirst({ where: { sessionToken: `probe-${i}` } });
      await db.$transaction([db.user.count(), db.billingCustomer.count()]);
    }
    expect(Date.now() - started).toBeLessThan(2_000);

    await harness.ctl.setApiFaults({ stall: false });
    await harness.settle();
    for (const c of customers) {
      expect(
        await db.stripeEvent.count({
          where: { stripeCustomerId: c.customerId, processedAt: null },
        }),
      ).toBe(0);
    }
    // Six set-ups and the final settle each wait out the 2 s debounce, and the settle has a 60 s
    // budget of its own: on a loaded CI machine that outlasts the default 60 s test timeout.
  }, 180_000);

  it("a sync waiting on Stripe does not hold up the next customer's", async () => {
    const slow = await subscribedCustomer(harness, "slow");
    const next = await subscribedCustomer(harness, "next");
    const slowEvent = await subscriptionUpdatedEvent(slow.subscription.id);
    const nextEvent = await subscriptionUpdatedEvent(next.subscription.id);
    await harness.ctl.setApiFaults({ stall: true });

    expect((await postDelivery(harness, slowEvent)).status).toBe(200);
    await expect.poll(() => leased(slow.customerId), { timeout: 10_000 }).toBe(true);
    // The drain's other workers found nothing else to do. A webhook for another customer (say,
    // right after a portal action) must still be taken up now, not after the stalled sync ends.
    expect((await postDelivery(harness, nextEvent)).status).toBe(200);
    await expect.poll(() => leased(next.customerId), { timeout: 10_000 }).toBe(true);
    expect(await leased(slow.customerId)).toBe(true);

    await harness.ctl.setApiFaults({ stall: false });
    await harness.settle();
    for (const c of [slow, next]) {
      expect(
        await db.stripeEvent.count({
          where: { stripeCustomerId: c.customerId, processedAt: null },
        }),
      ).toBe(0);
    }
  });
});

/** Whether a drain worker holds the customer (its sync is under way). */
async function leased(customerId: string): Promise<boolean> {
  const row = await db.customerSync.findUnique({ where: { customerId } });
  return row?.leaseToken != null;
}
