import pg from "pg";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";
import { subscribedCustomer } from "@/lib/billing/testing/customers";
import { withDatabase } from "@/lib/billing/testing/database";

// These tests break the database on purpose, so this file gets a database of its own on the run's
// Postgres server; the shared one stays untouched for the files running in parallel. Setup and
// sabotage go to the server directly; the app goes through the run's pooler, if any.
const directUrl = inject("directDatabaseUrl");
const database = `billing_failure_${process.pid}_${Date.now()}`;
const privateUrl = withDatabase(inject("databaseUrl"), database);

let admin: pg.Client;
let harness: BillingHarness;
let db: typeof import("@/lib/db").db;
let getStripe: typeof import("@/lib/stripe").getStripe;
let state: typeof import("@/lib/billing/testing/state");

beforeAll(async () => {
  admin = new pg.Client(directUrl);
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}" TEMPLATE "${inject("templateDatabase")}"`);
  // No automatic webhook retries: a test redelivers explicitly, like Stripe's next attempt.
  // Shuffled, but never twice: these tests count the deliveries of one event.
  harness = await startBillingHarness({
    databaseUrl: privateUrl,
    retryDelaysMs: [],
    delivery: { duplicateRate: 0 },
  });
  ({ db } = await import("@/lib/db"));
  ({ getStripe } = await import("@/lib/stripe"));
  state = await import("@/lib/billing/testing/state");
  const { runStripeSetup } = await import("@/lib/billing/config/setup");
  await runStripeSetup();
});

afterEach(async () => {
  await setDatabaseAvailable(true);
  await admin
    .query(`ALTER TABLE IF EXISTS "Invoice_unavailable" RENAME TO "Invoice"`)
    .catch(() => undefined);
});

afterAll(async () => {
  await harness?.stop();
  await db?.$disconnect();
  if (admin) {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
});

/** Runs SQL inside the private database (the admin connection sits in the shared one). */
async function inPrivate(sql: string): Promise<void> {
  const client = new pg.Client(withDatabase(directUrl, database));
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function setDatabaseAvailable(available: boolean): Promise<void> {
  await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS ${available}`);
  if (!available) {
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [database],
    );
    return;
  }
  // A pooler retries its server login after a pause: wait until the app's own pool answers.
  await expect
    .poll(
      () =>
        db.$queryRaw`SELECT 1`.then(
          () => true,
          () => false,
        ),
      { timeout: 20_000, interval: 200 },
    )
    .toBe(true);
}

/** The update's event and our answers to it, once delivered. */
async function deliveredUpdate(subscriptionId: string) {
  await harness.ctl.flush();
  const events = await getStripe().events.list({
    type: "customer.subscription.updated",
    limit: 100,
  });
  const [event] = events.data.filter(
    (e): e is Stripe.CustomerSubscriptionUpdatedEvent =>
      e.type === "customer.subscription.updated" && e.data.object.id === subscriptionId,
  );
  if (!event) throw new Error("no customer.subscription.updated event");
  const attempts = await harness.ctl.deliveries({ event: event.id });
  return { event, statuses: attempts.map((a) => a.status) };
}

/** Waits until the drain has recorded a failed sync of the event (its error in the ledger). */
async function failedOnce(eventId: string) {
  for (let i = 0; i < 500; i++) {
    const row = await db.stripeEvent.findUniqueOrThrow({ where: { id: eventId } });
    if (row.lastError) return row;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no failed sync recorded for ${eventId}`);
}

describe("an event that cannot be recorded answers 500 and Stripe's redelivery heals it", () => {
  it("while the database is unavailable", async () => {
    const { customerId, subscription } = await subscribedCustomer(harness, "db-down");
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);

    await setDatabaseAvailable(false);
    await getStripe().subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const { event, statuses } = await deliveredUpdate(subscription.id);
    // 500 straight from Postgres; through a pooler, 500 once it gives up waiting, or Stripe's own
    // timeout (0) first. Either way not a 2xx, so Stripe retries.
    expect(statuses).toHaveLength(1);
    expect([0, 500]).toContain(statuses[0]);

    await setDatabaseAvailable(true);
    await harness.ctl.redeliver(event.id);
    await harness.settle();
    expect((await harness.ctl.deliveries({ event: event.id })).map((a) => a.status)).toEqual([
      statuses[0],
      200,
    ]);
    errors.mockRestore();

    expect(await state.storedState(customerId)).toEqual(await state.stripeState(customerId));
    expect(
      (await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } }))
        .cancelAtPeriodEnd,
    ).toBe(true);
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({
      outcome: "synced",
      lastError: null,
    });
  });
});

describe("a recorded event whose sync fails stays visible and the drain retries it with backoff", () => {
  it("when a write fails mid-sync: nothing half-written, the error recorded, the retry complete", async () => {
    const { customerId, subscription } = await subscribedCustomer(harness, "write-fails");
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);

    // The ledger still works; the sync's invoice upsert (after the subscription upsert) fails.
    await inPrivate(`ALTER TABLE "Invoice" RENAME TO "Invoice_unavailable"`);
    await getStripe().subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const { event, statuses } = await deliveredUpdate(subscription.id);
    // Recorded and answered at once: the failure is the drain's, not Stripe's to retry.
    expect(statuses).toEqual([200]);
    const failed = await failedOnce(event.id);
    await inPrivate(`ALTER TABLE "Invoice_unavailable" RENAME TO "Invoice"`);

    expect(failed).toMatchObject({ processedAt: null, outcome: null });
    expect(failed.attempts).toBeGreaterThanOrEqual(1);
    expect(failed.lastError).toBeTruthy();
    // One transaction: the subscription upsert that preceded the failure was rolled back.
    expect(
      (await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } }))
        .cancelAtPeriodEnd,
    ).toBe(false);

    await harness.settle();
    errors.mockRestore();
    const healed = await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } });
    expect(healed).toMatchObject({ outcome: "synced", lastError: null });
    expect(healed.attempts).toBeGreaterThanOrEqual(2);
    expect(healed.processedAt).toBeInstanceOf(Date);
    expect(await state.storedState(customerId)).toEqual(await state.stripeState(customerId));
    // Nobody redelivered: the drain's own retry healed it.
    expect((await harness.ctl.deliveries({ event: event.id })).map((a) => a.status)).toEqual([200]);
  });

  it("when Stripe itself fails during the re-fetch", async () => {
    const { customerId, subscription } = await subscribedCustomer(harness, "stripe-down");
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const list = vi.spyOn(getStripe().invoices, "list").mockImplementationOnce(() => {
      throw new Stripe.errors.StripeAPIError({
        message: "Stripe is having a bad day",
        type: "api_error",
      });
    });

    await getStripe().subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const { event, statuses } = await deliveredUpdate(subscription.id);
    expect(statuses).toEqual([200]);
    expect((await failedOnce(event.id)).lastError).toContain("bad day");

    await harness.settle();
    list.mockRestore();
    errors.mockRestore();
    expect(await db.stripeEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({
      attempts: 2,
      lastError: null,
      outcome: "synced",
    });
    expect(await state.storedState(customerId)).toEqual(await state.stripeState(customerId));
  });
});

describe("a refused signature that cannot be counted", () => {
  it("is still answered 400 at once, and the failure to count is one log line", async () => {
    const { POST } = await import("@/app/api/webhooks/stripe/route");
    const { resetWebhookRejectionWindows } = await import("@/lib/billing/sync/webhook-rejections");
    resetWebhookRejectionWindows({ writeDelayMs: 500 });
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    await inPrivate(`ALTER TABLE "WebhookRejection" RENAME TO "WebhookRejection_unavailable"`);
    try {
      const payload = JSON.stringify({ id: "evt_uncounted", object: "event" });
      for (let i = 0; i < 3; i++) {
        const response = await POST(
          new Request("http://localhost/api/webhooks/stripe", {
            method: "POST",
            headers: { "stripe-signature": "t=1,v1=00" },
            body: payload,
          }),
        );
        expect(response.status).toBe(400);
      }
      const lines = () => errors.mock.calls.map((call) => call.map(String).join(" "));
      await expect.poll(() => lines().length, { timeout: 15_000 }).toBe(2);
      expect(lines()[0]).toBe(
        "[billing] webhook refused (signature mismatch) for event evt_uncounted: check STRIPE_WEBHOOK_SECRET: it must be the signing secret of the endpoint sending here",
      );
      expect(lines()[1]).toMatch(
        /^\[billing\] could not count the refused webhook: .*WebhookRejection.* does not exist/,
      );
      expect(lines()[1]).not.toContain("\n");
    } finally {
      await inPrivate(
        `ALTER TABLE IF EXISTS "WebhookRejection_unavailable" RENAME TO "WebhookRejection"`,
      );
      errors.mockRestore();
      resetWebhookRejectionWindows();
    }
  });
});
