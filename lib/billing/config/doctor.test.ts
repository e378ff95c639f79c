import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrivateDatabase } from "@/lib/billing/testing/database";
import { startStripeEmulator, type RunningStripeEmulator } from "@/tools/stripe-emulator/server";

let emulator: RunningStripeEmulator;
let privateDb: Awaited<ReturnType<typeof createPrivateDatabase>>;
let doctor: typeof import("@/lib/billing/config/doctor");
let setup: typeof import("@/lib/billing/config/setup");
let portal: typeof import("@/lib/billing/config/portal");
let testStripe: Stripe;
let liveStripe: Stripe;

const APP_URL = "http://localhost:3000";
const WEBHOOK_URL = `${APP_URL}/api/webhooks/stripe`;

beforeAll(async () => {
  emulator = await startStripeEmulator();
  // The database checks read (and these tests write) counts no other file should see.
  privateDb = await createPrivateDatabase("doctor");
  process.env.DATABASE_URL = privateDb.url;
  process.env.STRIPE_API_BASE = emulator.url;
  process.env.STRIPE_SECRET_KEY = "sk_test_billing_doctor";
  process.env.STRIPE_WEBHOOK_SECRET = "whsec_billing_doctor";
  process.env.APP_URL = APP_URL;
  delete process.env.STRIPE_PORTAL_CONFIGURATION_ID;
  doctor = await import("@/lib/billing/config/doctor");
  setup = await import("@/lib/billing/config/setup");
  portal = await import("@/lib/billing/config/portal");
  const client = (key: string) =>
    new Stripe(key, { host: "localhost", port: emulator.port, protocol: "http" });
  testStripe = client("sk_test_billing_doctor");
  liveStripe = client("sk_live_billing_doctor");
  await setup.runStripeSetup({ webhookUrl: WEBHOOK_URL });
});

afterAll(async () => {
  await emulator?.stop();
  const { db } = await import("@/lib/db");
  await db.$disconnect();
  await privateDb?.drop();
});

type DoctorOptions = NonNullable<Parameters<typeof doctor.runBillingDoctor>[0]>;

// The database checks have their own tests; the Stripe cases should not depend on them.
const databaseOk = async () => ({ name: "Database", status: "pass" as const, detail: "stub" });
const signaturesOk = async () => ({
  name: "Webhook signatures",
  status: "pass" as const,
  detail: "stub",
});

function run(options: DoctorOptions = {}) {
  return doctor.runBillingDoctor({
    checkDatabase: databaseOk,
    checkWebhookSignatures: signaturesOk,
    ...options,
  });
}

/** A stand-in for api.stripe.com refusing the key: 401 with Stripe's body, for every request. */
async function startKeyRefusingStripe(): Promise<{ stripe: Stripe; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    res.writeHead(401, { "content-type": "application/json", "request-id": "req_refused" });
    res.end(
      JSON.stringify({
        error: {
          message: "Invalid API Key provided: sk_test_*******************ong1",
          type: "invalid_request_error",
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    stripe: new Stripe("sk_test_wrong1", {
      host: "localhost",
      port,
      protocol: "http",
      maxNetworkRetries: 0,
    }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function failures(options: DoctorOptions = {}) {
  const report = await run(options);
  return Object.fromEntries(
    report.checks.filter((c) => c.status === "fail").map((c) => [c.name, c.detail]),
  );
}

async function repair() {
  await setup.runStripeSetup({ webhookUrl: WEBHOOK_URL });
  expect(await failures()).toEqual({});
}

async function configurationId() {
  return portal.resolvePortalConfigurationId({ fresh: true });
}

async function priceId(lookupKey: string) {
  const price = (await testStripe.prices.list({ lookup_keys: [lookupKey] })).data[0];
  if (!price) throw new Error(`no ${lookupKey}`);
  return price.id;
}

describe("billing:doctor (emulator)", () => {
  it("passes every check after setup", async () => {
    const report = await run();
    expect(report.ok).toBe(true);
    expect(report.mode).toBe("test");
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ["Stripe key", "pass"],
      ["Webhook secret", "pass"],
      ["Portal configuration", "pass"],
      ["Portal features", "pass"],
      ["Plan switching", "pass"],
      ["Catalog prices", "pass"],
      ["Return URL", "pass"],
      ["Business profile", "pass"],
      ["Webhook endpoint", "pass"],
      ["Database", "pass"],
      ["Webhook signatures", "pass"],
    ]);
    expect(report.checks[0]?.detail).toBe(
      `sk_test_… (test mode, local emulator at ${emulator.url}), accepted by Stripe`,
    );
    const table = doctor.formatDoctorReport(report);
    expect(table).toContain("11 passed, 0 failed.");
    expect(table).not.toContain("sk_test_billing_doctor");
  });

  it("checks that the database is reachable and migrated", async () => {
    expect(await doctor.checkDatabase()).toMatchObject({ name: "Database", status: "pass" });
  });

  it("fails the database check while a customer's sync keeps failing, naming it and the error", async () => {
    const { db } = await import("@/lib/db");
    const { createTestUser } = await import("@/lib/billing/testing/users");
    const user = await createTestUser("doctor-queue");
    const customerId = `cus_doctor_${Date.now()}`;
    await db.billingCustomer.create({ data: { id: customerId, userId: user.id, livemode: false } });
    await db.customerSync.create({
      data: { customerId, requestSeq: 2, doneSeq: 1, failures: 3, lastError: "Stripe is down" },
    });
    try {
      const check = await doctor.checkDatabase();
      expect(check.status).toBe("fail");
      expect(check.detail).toContain(`${customerId}, 3 tries: Stripe is down`);
      expect(check.detail).toContain("npm run stripe:reconcile");
    } finally {
      await db.billingCustomer.delete({ where: { id: customerId } });
    }
    expect(await doctor.checkDatabase()).toMatchObject({ status: "pass" });
  });

  it("fails on an extra enabled portal feature and on a missing one", async () => {
    await testStripe.billingPortal.configurations.update(await configurationId(), {
      features: { subscription_pause: { enabled: true }, invoice_history: { enabled: false } },
    });
    expect(await failures()).toEqual({
      "Portal features":
        "invoice_history is disabled but intended\nsubscription_pause is enabled but not intended",
    });
    await repair();
  });

  it("fails when a catalog price is missing from plan switching", async () => {
    const id = await configurationId();
    const config = await testStripe.billingPortal.configurations.retrieve(id);
    const teamYearly = await priceId("team_yearly");
    await testStripe.billingPortal.configurations.update(id, {
      features: {
        subscription_update: {
          enabled: true,
          products: (config.features.subscription_update.products ?? []).map((p) => ({
            product: p.product,
            prices: p.prices.filter((price) => price !== teamYearly),
            adjustable_quantity: {
              enabled: p.adjustable_quantity.enabled,
              minimum: p.adjustable_quantity.minimum,
              maximum: p.adjustable_quantity.maximum ?? undefined,
            },
          })),
        },
      },
    });
    expect(await failures()).toEqual({
      "Plan switching": `catalog price team_yearly (${teamYearly}) is missing from plan switching`,
    });
    await repair();
  });

  it("fails when the portal lets Team pick more seats than the catalog sells", async () => {
    const id = await configurationId();
    const config = await testStripe.billingPortal.configurations.retrieve(id);
    await testStripe.billingPortal.configurations.update(id, {
      features: {
        subscription_update: {
          enabled: true,
          products: (config.features.subscription_update.products ?? []).map((p) => ({
            product: p.product,
            prices: p.prices,
            adjustable_quantity: p.adjustable_quantity.enabled
              ? { enabled: true, minimum: 1, maximum: 500 }
              : { enabled: false },
          })),
        },
      },
    });
    expect(await failures()).toEqual({
      "Plan switching": "quantity of team is limited to 1-500, expected 1-50",
    });
    await repair();
  });

  it("fails on an inactive catalog price", async () => {
    const proYearly = await priceId("pro_yearly");
    await testStripe.prices.update(proYearly, { active: false });
    expect(await failures()).toEqual({
      "Catalog prices": `pro_yearly (${proYearly}) is inactive`,
    });
    await repair();
  });

  it("fails when the webhook endpoint misses a handled event type", async () => {
    const { WEBHOOK_EVENT_TYPES } = await import("@/lib/billing/sync/receive");
    const endpoint = (await testStripe.webhookEndpoints.list()).data.find(
      (e) => e.url === WEBHOOK_URL,
    );
    await testStripe.webhookEndpoints.update(endpoint?.id ?? "", {
      enabled_events: WEBHOOK_EVENT_TYPES.filter((t) => t !== "invoice.payment_failed"),
    });
    expect(await failures()).toEqual({
      "Webhook endpoint": `${endpoint?.id} does not subscribe to invoice.payment_failed`,
    });
    await repair();
  });

  it("fails when the webhook endpoint is not pinned to the SDK's API version", async () => {
    const { WEBHOOK_EVENT_TYPES } = await import("@/lib/billing/sync/receive");
    const pinned = (await testStripe.webhookEndpoints.list()).data.find(
      (e) => e.url === WEBHOOK_URL,
    );
    await testStripe.webhookEndpoints.del(pinned?.id ?? "");
    // As an older stripe:setup made it: tagged, but at the account's default version.
    const old = await testStripe.webhookEndpoints.create({
      url: WEBHOOK_URL,
      enabled_events: [...WEBHOOK_EVENT_TYPES],
      metadata: { managed_by: "billing-done-right" },
    });
    expect(await failures()).toEqual({
      "Webhook endpoint":
        `${old.id} has api_version account default, not the SDK's ${Stripe.API_VERSION}: ` +
        `run npm run stripe:setup -- --webhook-url ${WEBHOOK_URL} (it recreates the endpoint; set the new signing secret as STRIPE_WEBHOOK_SECRET)`,
    });
    await repair();
  });

  it("fails in live mode when only the test-mode configuration exists", async () => {
    const live = await run({ stripe: liveStripe, mode: "live" });
    const byName = Object.fromEntries(live.checks.map((c) => [c.name, c]));
    expect(live.ok).toBe(false);
    expect(byName["Portal configuration"]).toEqual({
      name: "Portal configuration",
      status: "fail",
      detail:
        "No Customer Portal configuration in live mode: run npm run stripe:setup -- --live " +
        "(configurations exist per mode; one from the other mode never applies).",
    });
    expect(byName["Portal features"]?.status).toBe("skip");
    expect(byName["Catalog prices"]?.detail).toContain(
      "pro_monthly: no price with this lookup key in live mode",
    );
    expect(byName["Webhook endpoint"]?.detail).toContain(
      `no endpoint for ${WEBHOOK_URL} in live mode`,
    );
    // The test-mode configuration is still there and still passes.
    expect((await run()).ok).toBe(true);
  });

  it("fails without a key or webhook secret, skipping what needs Stripe", async () => {
    const report = await run({ stripe: null, webhookSecretSet: false });
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => `${c.status} ${c.name}`)).toEqual([
      "fail Stripe key",
      "fail Webhook secret",
      "skip Portal configuration",
      "skip Portal features",
      "skip Plan switching",
      "skip Catalog prices",
      "skip Return URL",
      "skip Business profile",
      "skip Webhook endpoint",
      "pass Database",
      "pass Webhook signatures",
    ]);
  });

  it("fails the key when Stripe refuses it, with Stripe's message, and skips what needs Stripe", async () => {
    const refusing = await startKeyRefusingStripe();
    try {
      const report = await run({ stripe: refusing.stripe, keyLabel: "sk_test_…" });
      expect(report.ok).toBe(false);
      expect(report.checks[0]).toEqual({
        name: "Stripe key",
        status: "fail",
        detail:
          "sk_test_…: Stripe refused the key: Invalid API Key provided: sk_test_*******************ong1\n" +
          "Copy the secret key (sk_test_… or sk_live_…) from the Dashboard's API keys page into STRIPE_SECRET_KEY.",
      });
      expect(report.checks.slice(2, 9).map((c) => `${c.status} ${c.name}: ${c.detail}`)).toEqual(
        [
          "Portal configuration",
          "Portal features",
          "Plan switching",
          "Catalog prices",
          "Return URL",
          "Business profile",
          "Webhook endpoint",
        ].map((name) => `skip ${name}: Stripe refused the key`),
      );
      expect(doctor.formatDoctorReport(report)).toContain(
        "  FAIL  Stripe key            sk_test_…: Stripe refused the key: Invalid API Key provided",
      );
    } finally {
      await refusing.close();
    }
  });

  it("fails the key check, naming the address, when Stripe cannot be reached", async () => {
    const closed = await startKeyRefusingStripe();
    const port = String(closed.stripe.getApiField("port"));
    await closed.close();
    const report = await run({ stripe: closed.stripe });
    expect(report.checks[0]).toMatchObject({
      name: "Stripe key",
      status: "fail",
      detail: expect.stringMatching(
        new RegExp(
          `^could not reach Stripe at http://localhost:${port}: An error occurred with our connection to Stripe`,
        ),
      ),
    });
    expect(report.checks[2]).toMatchObject({
      status: "skip",
      detail: "Stripe could not be reached",
    });
  });

  it("warns, without failing, on refused webhooks that a correct secret also sees", async () => {
    const { db } = await import("@/lib/db");
    expect(await doctor.checkWebhookSignatures()).toEqual({
      name: "Webhook signatures",
      status: "pass",
      detail: "no deliveries refused in the last 24 h",
    });
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    await db.webhookRejection.create({
      data: { reason: "missing_header", minute, count: 7, lastAt: new Date() },
    });
    // A day old: out of the window.
    await db.webhookRejection.create({
      data: {
        reason: "signature_mismatch",
        minute: new Date(minute.getTime() - 25 * 3_600_000),
        count: 3,
        lastAt: new Date(minute.getTime() - 25 * 3_600_000),
      },
    });
    try {
      const check = await doctor.checkWebhookSignatures();
      expect(check.status).toBe("warn");
      expect(check.detail).toMatch(
        /^7 rejected in the last 24 h \(last at .+Z\): 7 no Stripe-Signature header\nno signature mismatch/,
      );
      const report = await run({ checkWebhookSignatures: async () => check });
      expect(report.ok).toBe(true);
      const table = doctor.formatDoctorReport(report);
      expect(table).toContain("  WARN  Webhook signatures    7 rejected in the last 24 h");
      expect(table).toContain("10 passed, 0 failed, 1 warning.");
    } finally {
      await db.webhookRejection.deleteMany();
    }
  });

  it("requires https URLs in live mode", async () => {
    await setup.runStripeSetup({ stripe: liveStripe, mode: "live", live: true, yes: true });
    const report = await run({ stripe: liveStripe, mode: "live" });
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName["Portal configuration"]?.status).toBe("pass");
    expect(byName["Return URL"]).toMatchObject({
      status: "fail",
      detail: `default_return_url ${APP_URL}/settings/billing is not https (live mode)`,
    });
  });
});
