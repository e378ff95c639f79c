import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeEmulator, type RunningStripeEmulator } from "@/tools/stripe-emulator/server";

let emulator: RunningStripeEmulator;
let doctor: typeof import("@/lib/billing/doctor");
let setup: typeof import("@/lib/billing/stripe-setup");
let portal: typeof import("@/lib/billing/portal-configuration");
let testStripe: Stripe;
let liveStripe: Stripe;

const APP_URL = "http://localhost:3000";
const WEBHOOK_URL = `${APP_URL}/api/webhooks/stripe`;

beforeAll(async () => {
  emulator = await startStripeEmulator();
  process.env.STRIPE_API_BASE = emulator.url;
  process.env.STRIPE_SECRET_KEY = "sk_test_billing_doctor";
  process.env.STRIPE_WEBHOOK_SECRET = "whsec_billing_doctor";
  process.env.APP_URL = APP_URL;
  delete process.env.STRIPE_PORTAL_CONFIGURATION_ID;
  doctor = await import("@/lib/billing/doctor");
  setup = await import("@/lib/billing/stripe-setup");
  portal = await import("@/lib/billing/portal-configuration");
  const client = (key: string) =>
    new Stripe(key, { host: "localhost", port: emulator.port, protocol: "http" });
  testStripe = client("sk_test_billing_doctor");
  liveStripe = client("sk_live_billing_doctor");
  await setup.runStripeSetup({ webhookUrl: WEBHOOK_URL });
});

afterAll(async () => {
  await emulator?.stop();
});

type DoctorOptions = NonNullable<Parameters<typeof doctor.runBillingDoctor>[0]>;

// The database check has its own test; the Stripe cases should not depend on it.
const databaseOk = async () => ({ name: "Database", status: "pass" as const, detail: "stub" });

function run(options: DoctorOptions = {}) {
  return doctor.runBillingDoctor({ checkDatabase: databaseOk, ...options });
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
    ]);
    const table = doctor.formatDoctorReport(report);
    expect(table).toContain("10 passed, 0 failed.");
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
            adjustable_quantity: { enabled: p.adjustable_quantity.enabled },
          })),
        },
      },
    });
    expect(await failures()).toEqual({
      "Plan switching": `catalog price team_yearly (${teamYearly}) is missing from plan switching`,
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
    const { HANDLED_EVENT_TYPES } = await import("@/lib/billing/sync/receive");
    const endpoint = (await testStripe.webhookEndpoints.list()).data.find(
      (e) => e.url === WEBHOOK_URL,
    );
    await testStripe.webhookEndpoints.update(endpoint?.id ?? "", {
      enabled_events: HANDLED_EVENT_TYPES.filter((t) => t !== "invoice.payment_failed"),
    });
    expect(await failures()).toEqual({
      "Webhook endpoint": `${endpoint?.id} does not subscribe to invoice.payment_failed`,
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
    ]);
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
