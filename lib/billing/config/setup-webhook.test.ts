import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeEmulator, type RunningStripeEmulator } from "@/tools/stripe-emulator/server";

/**
 * stripe:setup and the webhook endpoint's API version: Stripe renders each endpoint's events at
 * the endpoint's `api_version` (else the account default), and an endpoint's version cannot be
 * changed after creation. Its own emulator: these tests need endpoints set up by hand.
 */
let emulator: RunningStripeEmulator;
let setup: typeof import("@/lib/billing/config/setup");
let portal: typeof import("@/lib/billing/config/portal");
let stripe: Stripe;

const TAG = { managed_by: "billing-done-right" };

beforeAll(async () => {
  emulator = await startStripeEmulator();
  process.env.STRIPE_API_BASE = emulator.url;
  process.env.STRIPE_SECRET_KEY = "sk_test_stripe_setup_webhook";
  process.env.APP_URL = "http://localhost:3000";
  delete process.env.STRIPE_PORTAL_CONFIGURATION_ID;
  setup = await import("@/lib/billing/config/setup");
  portal = await import("@/lib/billing/config/portal");
  stripe = new Stripe("sk_test_stripe_setup_webhook", {
    host: "localhost",
    port: emulator.port,
    protocol: "http",
  });
});

afterAll(async () => {
  await emulator?.stop();
});

async function endpointsAt(url: string) {
  return (await stripe.webhookEndpoints.list({ limit: 100 })).data.filter((e) => e.url === url);
}

describe("stripe:setup pins the webhook endpoint's api_version (emulator)", () => {
  it("creates the endpoint at the SDK's API version", async () => {
    const url = "http://localhost:3000/api/webhooks/stripe";
    const result = await setup.runStripeSetup({ webhookUrl: url });
    const [endpoint] = await endpointsAt(url);
    expect(endpoint?.id).toBe(result.webhookEndpointId);
    expect(endpoint?.api_version).toBe(Stripe.API_VERSION);
    expect((await setup.runStripeSetup({ webhookUrl: url })).changes).toEqual([]);
  });

  it("recreates its own endpoint made without a pinned version, with a new secret", async () => {
    const url = "http://localhost:3001/api/webhooks/stripe";
    const old = await stripe.webhookEndpoints.create({
      url,
      enabled_events: ["invoice.paid"],
      metadata: TAG,
    });
    expect(old.api_version).toBeNull();
    const lines: string[] = [];
    const result = await setup.runStripeSetup({ webhookUrl: url, log: (l) => lines.push(l) });
    expect(result.changes).toContainEqual(
      expect.stringMatching(
        new RegExp(`^recreate webhook endpoint ${old.id}: api_version is account default`),
      ),
    );
    // The old endpoint stays: the running app still verifies with its secret until the new one
    // is deployed, so deleting it now would refuse every delivery in between.
    const now = await endpointsAt(url);
    expect(now.map((e) => e.id).sort()).toEqual([old.id, result.webhookEndpointId].sort());
    const pinned = now.find((e) => e.id !== old.id);
    expect(pinned?.api_version).toBe(Stripe.API_VERSION);
    expect(pinned?.status).toBe("enabled");
    expect(result.webhookSecret).toMatch(/^whsec_/);
    const reminder = new RegExp(`delete ${old.id} once STRIPE_WEBHOOK_SECRET`);
    expect(lines).toContainEqual(expect.stringMatching(reminder));
    // A second run finds the pinned endpoint, changes nothing and reminds again.
    const again: string[] = [];
    const second = await setup.runStripeSetup({ webhookUrl: url, log: (l) => again.push(l) });
    expect(second.changes).toEqual([]);
    expect(second.webhookEndpointId).toBe(result.webhookEndpointId);
    expect(again).toContainEqual(expect.stringMatching(reminder));
  });

  it("refuses, changing nothing, when a hand-made endpoint at the URL has another version", async () => {
    const url = "http://localhost:3002/api/webhooks/stripe";
    const hand = await stripe.webhookEndpoints.create({ url, enabled_events: ["*"] });
    await expect(setup.runStripeSetup({ webhookUrl: url })).rejects.toThrow(
      new RegExp(`${hand.id} .*api_version.*cannot be changed.*delete it`),
    );
    expect((await endpointsAt(url)).map((e) => e.id)).toEqual([hand.id]);
  });
});

describe("stripe:setup and Stripe's portal configuration rules (emulator)", () => {
  it("says clearly when Stripe refuses the portal configuration", async () => {
    const spec = structuredClone(portal.PORTAL_CONFIGURATION);
    spec.features.paymentMethodUpdate.enabled = false;
    await expect(setup.runStripeSetup({ spec })).rejects.toThrow(
      /^Stripe refused the Customer Portal configuration: Cannot enable subscription updates while payment method update is disabled\..*lib\/billing\/config\/portal\.ts/,
    );
  });

  it("the app's own portal configuration passes them (headline at most 60 characters)", () => {
    expect(portal.PORTAL_CONFIGURATION.businessProfile.headline.length).toBeLessThanOrEqual(60);
  });
});
