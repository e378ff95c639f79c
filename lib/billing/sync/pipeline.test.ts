import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  postDelivery,
  subscribedCustomer,
  subscriptionUpdatedEvent,
  syncsOf,
} from "@/lib/billing/testing/customers";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";

// Receive, queue, drain and backstop, through real HTTP into the route handler, real Postgres and
// the emulator. Stripe calls are counted by the emulator, per customer.
let harness: BillingHarness;
let db: typeof import("@/lib/db").db;
let getStripe: typeof import("@/lib/stripe").getStripe;
let handleStripeWebhook: typeof import("@/lib/billing/sync/receive").handleStripeWebhook;
let queue: typeof import("@/lib/billing/sync/queue");
let ledger: typeof import("@/lib/billing/sync/ledger");
let drainSyncQueue: typeof import("@/lib/billing/sync/drain").drainSyncQueue;
let reconcileBilling: typeof import("@/lib/billing/sync/reconcile").reconcileBilling;
let state: typeof import("@/lib/billing/testing/state");

beforeAll(async () => {
  harness = await startBillingHarness();
  ({ db } = await import("@/lib/db"));
  ({ getStripe } = await import("@/lib/stripe"));
  ({ handleStripeWebhook } = await import("@/lib/billing/sync/receive"));
  queue = await import("@/lib/billing/sync/queue");
  ledger = await import("@/lib/billing/sync/ledger");
  ({ drainSyncQueue } = await import("@/lib/billing/sync/drain"));
  ({ reconcileBilling } = await import("@/lib/billing/sync/reconcile"));
  state = await import("@/lib/billing/testing/state");
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

describe("receive", () => {
  it("20 concurrent copies of one event: one recorded, 19 no-ops, one sync", async () => {
    const { customerId, subscription } = await subscribedCustomer(harness, "copies");
    const event = await subscriptionUpdatedEvent(subscription.id);
    const syncsBefore = await syncsOf(customerId);
    await harness.ctl.resetRequests();

    const answers = await Promise.all(
      Array.from({ length: 20 }, () => postDelivery(harness, event)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers.filter((a) => a.body.queued === true)).toHaveLength(1);
    expect(answers.filter((a) => a.body.duplicate === true)).toHaveLength(19);

    await harness.settle();
    expect((await syncsOf(customerId)) - syncsBefore).toBe(1);
    // One sync's reads: the customer, its subscriptions, its invoices.
    expect((await harness.ctl.requests()).byCustomer[customerId]).toBe(3);
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({
      outcome: "synced",
      attempts: 1,
      lastError: null,
    });
  });

  it("answers before any Stripe call: a stalled Stripe does not slow the answer", async () => {
    const { subscription } = await subscribedCustomer(harness, "answer-first");
    const event = await subscriptionUpdatedEvent(subscription.id);
    await harness.ctl.setApiFaults({ stall: true });
    const started = Date.now();
    const answer = await postDelivery(harness, event);
    expect(answer).toMatchObject({ status: 200, body: { received: true, queued: true } });
    expect(Date.now() - started).toBeLessThan(1_000);
    await harness.ctl.setApiFaults({ stall: false });
  });
});

describe("backstop", () => {
  it("heals a crash between receive and drain: the event waits in the ledger until the cron", async () => {
    const { customerId, subscription } = await subscribedCustomer(harness, "crash");
    // The change's own deliveries are held back; only the event below tells us about it.
    await harness.ctl.setFaults({ shuffle: true, holdMs: 120_000 });
    await getStripe().subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const event = await subscriptionUpdatedEvent(subscription.id);

    // The receive step alone, as if the process died right after answering (no drain ran).
    const received = await handleStripeWebhook(event.payload, event.signature());
    expect(received).toMatchObject({ status: 200, drain: true });
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({
      processedAt: null,
    });
    expect(await ledger.queueDepth()).toMatchObject({ pendingCustomers: 1 });

    const report = await reconcileBilling();
    expect(report.drained).toBeGreaterThanOrEqual(1);
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({
      outcome: "synced",
      lastError: null,
    });
    const stored = await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } });
    expect(stored.cancelAtPeriodEnd).toBe(true);
    expect(await state.storedState(customerId)).toEqual(await state.stripeState(customerId));
  });

  it("heals a worker that died mid-sync: its claim expires and another worker syncs", async () => {
    const { customerId, subscription } = await subscribedCustomer(harness, "dead-worker");
    await harness.ctl.setFaults({ shuffle: true, holdMs: 120_000 });
    await getStripe().subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const event = await subscriptionUpdatedEvent(subscription.id);
    await handleStripeWebhook(event.payload, event.signature());

    // A worker claims the customer and dies before writing anything.
    const dead = await queue.claimNext();
    expect(dead?.customerId).toBe(customerId);
    // While its claim lasts, nobody else takes the customer...
    expect(await drainSyncQueue({ budgetMs: 200 })).toMatchObject({ synced: 0 });
    // ...and once it has run out, the next drain does.
    await db.customerSync.update({
      where: { customerId },
      data: { leaseUntil: new Date(Date.now() - 1_000) },
    });
    expect(await drainSyncQueue()).toMatchObject({ synced: 1, failed: 0 });
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({
      outcome: "synced",
    });
    expect(
      (await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } }))
        .cancelAtPeriodEnd,
    ).toBe(true);
  });

  it("a drain joined just before it would stop takes the newcomer's budget: nothing is left behind", async () => {
    const { customerId, subscription } = await subscribedCustomer(harness, "join");
    await harness.ctl.setFaults({ shuffle: true, holdMs: 120_000 });
    const event = await subscriptionUpdatedEvent(subscription.id);
    await handleStripeWebhook(event.payload, event.signature());
    // The customer is in its debounce: claimable in 1.5 s, after the first drain's budget.
    await db.customerSync.update({
      where: { customerId },
      data: { runAfter: new Date(Date.now() + 1_500) },
    });
    const first = drainSyncQueue({ budgetMs: 300 });
    const second = drainSyncQueue({ budgetMs: 10_000 });
    expect(await second).toMatchObject({ synced: 1 });
    await first;
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({
      outcome: "synced",
    });
  });

  it("re-drives ledger events that were received but never processed", async () => {
    const { customerId, subscription } = await subscribedCustomer(harness, "redrive");
    await harness.ctl.setFaults({ shuffle: true, holdMs: 120_000 });
    await getStripe().subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const event = await subscriptionUpdatedEvent(subscription.id);
    await handleStripeWebhook(event.payload, event.signature());
    // The queue lost track of it (the request was marked done without a sync), an hour ago.
    await db.customerSync.update({
      where: { customerId },
      data: { doneSeq: { increment: 1 } },
    });
    await db.stripeEvent.update({
      where: { id: event.id },
      data: { receivedAt: new Date(Date.now() - 3_600_000) },
    });

    const lines: string[] = [];
    const report = await reconcileBilling({ log: (line) => lines.push(line) });
    expect(report.redriven).toBe(1);
    expect(lines.at(-1)).toMatch(/1 stale events re-driven/);
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({
      outcome: "synced",
    });
  });

  it("prunes processed ledger rows past the retention window, and only those", async () => {
    const { customerId } = await subscribedCustomer(harness, "prune");
    const old = new Date(Date.now() - 31 * 86_400_000);
    const rows = await db.stripeEvent.findMany({ where: { stripeCustomerId: customerId } });
    expect(rows.length).toBeGreaterThan(1);
    const [aged, ...fresh] = rows;
    await db.stripeEvent.update({ where: { id: aged!.id }, data: { processedAt: old } });
    const unprocessed = await db.stripeEvent.create({
      data: {
        id: `evt_unprocessed_${Date.now()}`,
        type: "invoice.paid",
        livemode: false,
        stripeCustomerId: "cus_unknown",
        stripeCreatedAt: old,
        receivedAt: old,
      },
    });

    // Its billing emails go with it once finished; one still waiting to be sent stays.
    const email = (id: string, status: string) =>
      db.billingEmail.create({
        data: {
          eventId: `evt_${id}`,
          kind: "payment_recovered",
          livemode: false,
          stripeCustomerId: customerId,
          status,
          createdAt: old,
          // Not due: the drain inside the reconciliation leaves it waiting.
          runAfter: new Date(Date.now() + 3_600_000),
        },
      });
    const [oldSkipped, oldPending] = [
      await email("old_skipped", "skipped"),
      await email("old_pending", "pending"),
    ];

    const report = await reconcileBilling({ prune: true });
    expect(report.pruned).toBe(1);
    expect(await db.billingEmail.findUnique({ where: { id: oldSkipped.id } })).toBeNull();
    expect(await db.billingEmail.findUnique({ where: { id: oldPending.id } })).not.toBeNull();
    await db.billingEmail.delete({ where: { id: oldPending.id } });
    expect(await db.stripeEvent.findUnique({ where: { id: aged!.id } })).toBeNull();
    expect(await db.stripeEvent.count({ where: { id: { in: fresh.map((r) => r.id) } } })).toBe(
      fresh.length,
    );
    expect(await db.stripeEvent.findUnique({ where: { id: unprocessed.id } })).not.toBeNull();
    await db.stripeEvent.delete({ where: { id: unprocessed.id } });
  });
});

describe("pacing", () => {
  it("retries Stripe's 429 with backoff inside the sync, and converges on the first attempt", async () => {
    const { customerId, subscription } = await subscribedCustomer(harness, "rate-limited");
    // The change's events wait until the account is over its limit: the sync's reads meet it.
    await harness.ctl.setFaults({ shuffle: true, holdMs: 120_000 });
    await getStripe().subscriptions.update(subscription.id, { cancel_at_period_end: true });
    await harness.ctl.resetRequests();
    await harness.ctl.setApiFaults({ rateLimitNext: 3 });
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    await harness.settle();
    errors.mockRestore();

    expect((await harness.ctl.requests()).rateLimited).toBe(3);
    const events = await db.stripeEvent.findMany({
      where: { stripeCustomerId: customerId, type: "customer.subscription.updated" },
      orderBy: { receivedAt: "desc" },
      take: 1,
    });
    // No failed sync in between: the paced call waited and retried on its own.
    expect(events[0]).toMatchObject({ outcome: "synced", attempts: 1, lastError: null });
    expect(await state.storedState(customerId)).toEqual(await state.stripeState(customerId));
  });
});
