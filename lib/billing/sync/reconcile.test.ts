import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";

let harness: BillingHarness;
let db: typeof import("@/lib/db").db;
let getStripe: typeof import("@/lib/stripe").getStripe;
let getOrCreateStripeCustomer: typeof import("@/lib/billing/customers").getOrCreateStripeCustomer;
let reconcileBilling: typeof import("@/lib/billing/sync/reconcile").reconcileBilling;
let createTestUser: typeof import("@/lib/billing/testing/users").createTestUser;
let state: typeof import("@/lib/billing/testing/state");
let prices: Record<string, string>;

beforeAll(async () => {
  harness = await startBillingHarness({ retryDelaysMs: [] });
  ({ db } = await import("@/lib/db"));
  ({ getStripe } = await import("@/lib/stripe"));
  ({ getOrCreateStripeCustomer } = await import("@/lib/billing/customers"));
  ({ reconcileBilling } = await import("@/lib/billing/sync/reconcile"));
  ({ createTestUser } = await import("@/lib/billing/testing/users"));
  state = await import("@/lib/billing/testing/state");
  const { runStripeSetup } = await import("@/lib/billing/config/setup");
  ({ prices } = await runStripeSetup());
});

afterEach(async () => {
  await harness.ctl.clearFaults();
  await harness.settle();
});

afterAll(async () => {
  await harness?.stop();
});

/** A paying customer whose webhooks all arrived: our records equal Stripe's. */
async function payingCustomer(label: string) {
  const user = await createTestUser(label);
  const customerId = await getOrCreateStripeCustomer(user.id);
  const stripe = getStripe();
  const card = await stripe.paymentMethods.attach("pm_card_visa", { customer: customerId });
  await stripe.customers.update(customerId, {
    invoice_settings: { default_payment_method: card.id },
  });
  const subscription = await stripe.subscriptions.create({
    customer: customerId,
    items: [{ price: prices.pro_monthly ?? "" }],
  });
  await harness.settle();
  expect(await state.storedState(customerId)).toEqual(await state.stripeState(customerId));
  return { user, customerId, subscription };
}

/** Webhooks stop arriving: every delivery attempt is dropped and never retried. */
async function loseWebhooks() {
  await harness.ctl.setFaults({ dropFirstAttempts: 1_000 });
}

describe("stripe:reconcile (emulator)", () => {
  it("changes nothing on a consistent database", async () => {
    const { customerId } = await payingCustomer("reconcile-consistent");
    const before = await state.storedState(customerId);
    const result = await reconcileBilling({ customerIds: [customerId] });
    expect(result).toMatchObject({ checked: 1, changed: 0, unchanged: 1, failed: 0 });
    expect(result.customers[0]).toMatchObject({ status: "unchanged", changes: [] });
    expect(await state.storedState(customerId)).toEqual(before);
  });

  it("repairs a database that missed webhooks, and reports what it changed", async () => {
    const { user, customerId, subscription } = await payingCustomer("reconcile-missed");
    await loseWebhooks();
    const stripe = getStripe();
    // Upgrade in Stripe while no webhook gets through...
    await stripe.subscriptions.update(subscription.id, {
      items: [{ id: subscription.items.data[0]?.id ?? "", price: prices.team_monthly ?? "" }],
      proration_behavior: "always_invoice",
    });
    await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    // ...and lose a row of ours on top (a delivery processed into a database later restored).
    await db.invoice.deleteMany({ where: { stripeCustomerId: customerId } });
    await harness.settle();
    expect(await state.storedState(customerId)).not.toEqual(await state.stripeState(customerId));

    const lines: string[] = [];
    const result = await reconcileBilling({ customerIds: [customerId], log: (l) => lines.push(l) });
    expect(result).toMatchObject({ checked: 1, changed: 1, failed: 0 });
    expect(await state.storedState(customerId)).toEqual(await state.stripeState(customerId));

    const changes = result.customers[0]?.changes ?? [];
    expect(changes).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^subscription ${subscription.id}: .*planKey "pro" → "team".*cancelAtPeriodEnd false → true`,
        ),
      ),
    );
    expect(changes.filter((c) => /^invoice in_\w+ added/.test(c)).length).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toBe(`${customerId} (user ${user.id}): changed`);
    expect(lines.at(-1)).toMatch(/^Reconciled 1 customer in test mode: 1 changed, 0 unchanged/);

    // Running it again is a no-op.
    expect(await reconcileBilling({ customerIds: [customerId] })).toMatchObject({
      changed: 0,
      unchanged: 1,
    });
  });

  it("records each run in ReconcileRun, with its counts and what it changed", async () => {
    const { user, customerId, subscription } = await payingCustomer("reconcile-recorded");
    await loseWebhooks();
    await getStripe().subscriptions.update(subscription.id, { cancel_at_period_end: true });
    await harness.settle();

    const startedBefore = new Date();
    const result = await reconcileBilling({ customerIds: [customerId], source: "cli" });
    expect(result).toMatchObject({ changed: 1, failed: 0 });
    const run = await db.reconcileRun.findFirstOrThrow({
      where: { startedAt: { gte: new Date(startedBefore.getTime() - 1_000) }, source: "cli" },
      orderBy: { startedAt: "desc" },
    });
    expect(run).toMatchObject({
      livemode: false,
      source: "cli",
      changed: 1,
      unchanged: 0,
      skipped: 0,
      failed: 0,
      redriven: 0,
      drained: 0,
    });
    expect(run.finishedAt.getTime()).toBeGreaterThanOrEqual(run.startedAt.getTime());
    const lines = run.changes.split("\n");
    expect(lines[0]).toBe(`${customerId} (user ${user.id}): changed`);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^  subscription ${subscription.id}: .*cancelAtPeriodEnd false → true`),
      ),
    );

    // An unchanged run is recorded too, with no lines.
    await reconcileBilling({ customerIds: [customerId], source: "cli" });
    const latest = await db.reconcileRun.findFirstOrThrow({
      where: { source: "cli" },
      orderBy: { startedAt: "desc" },
    });
    expect(latest).toMatchObject({ changed: 0, unchanged: 1, changes: "" });
  });

  it("with includeStripeCustomers, adopts a Stripe customer whose metadata.userId is one of our users", async () => {
    const { user, customerId } = await payingCustomer("reconcile-adopt");
    // A database restored from before the customer existed.
    await db.$transaction([
      db.invoice.deleteMany({ where: { stripeCustomerId: customerId } }),
      db.subscription.deleteMany({ where: { stripeCustomerId: customerId } }),
      db.user.update({ where: { id: user.id }, data: { stripeCustomerId: null } }),
      db.billingCustomer.delete({ where: { id: customerId } }),
    ]);
    const plain = await reconcileBilling({ customerIds: [customerId] });
    expect(plain.checked).toBe(0);

    const result = await reconcileBilling({
      customerIds: [customerId],
      includeStripeCustomers: true,
    });
    expect(result.adopted).toBeGreaterThanOrEqual(1);
    expect(result.customers[0]).toMatchObject({ customerId, status: "changed", adopted: true });
    expect(await state.storedState(customerId)).toEqual(await state.stripeState(customerId));
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).stripeCustomerId).toBe(
      customerId,
    );
  });

  it("leaves customers of the other mode alone", async () => {
    const { customerId } = await payingCustomer("reconcile-mode");
    const result = await reconcileBilling({ customerIds: [customerId], mode: "live" });
    expect(result.checked).toBe(0);
  });

  it("runs as a cron route only with the CRON_SECRET bearer token", async () => {
    const { handleReconcileCron } = await import("@/app/api/cron/reconcile/handler");
    const secret = "cron-secret-for-tests-0123456789abcdef";
    const request = (authorization?: string) =>
      new Request("http://localhost:3000/api/cron/reconcile", {
        headers: authorization ? { authorization } : {},
      });
    expect((await handleReconcileCron(request(`Bearer ${secret}`), undefined)).status).toBe(503);
    expect((await handleReconcileCron(request(), secret)).status).toBe(401);
    expect((await handleReconcileCron(request(`Bearer ${secret}x`), secret)).status).toBe(401);
    expect((await handleReconcileCron(request(secret), secret)).status).toBe(401);

    const { customerId } = await payingCustomer("reconcile-cron");
    const response = await handleReconcileCron(request(`Bearer ${secret}`), secret);
    // Other test files' customers share this database but live in other emulators: they fail here.
    expect([200, 500]).toContain(response.status);
    const body = (await response.json()) as {
      checked: number;
      customers: { customerId: string }[];
    };
    expect(body.checked).toBeGreaterThanOrEqual(1);
    expect(body.customers.map((c) => c.customerId)).not.toContain(customerId);
  });

  it("stops before any work, with one line and exit code 1, when Stripe cannot be reached", async () => {
    await payingCustomer("reconcile-unreachable");
    const port = await closedPort();
    const unreachable = new Stripe("sk_test_unreachable", {
      host: "localhost",
      port,
      protocol: "http",
      maxNetworkRetries: 0,
    });
    await expect(reconcileBilling({ stripe: unreachable })).rejects.toMatchObject({
      name: "StripeUnavailableError",
      reason: "unreachable",
      message: expect.stringMatching(
        new RegExp(
          `^could not reach Stripe at http://localhost:${port}: An error occurred with our connection to Stripe`,
        ),
      ),
    });

    // The command: exit code 1 and that one line, no stack (it used to exit 0 on an empty walk).
    const root = path.resolve(import.meta.dirname, "../../..");
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/stripe-reconcile.ts"],
          {
            cwd: root,
            env: { ...process.env, STRIPE_API_BASE: `http://localhost:${port}` },
            timeout: 60_000,
          },
          (error, stdout, stderr) =>
            resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
        );
      },
    );
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        new RegExp(
          `^stripe:reconcile: could not reach Stripe at http://localhost:${port}: An error occurred with our connection to Stripe\\.`,
        ),
      ),
    ]);
    expect(run.code).toBe(1);
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
