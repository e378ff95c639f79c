import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startStripeEmulator, type RunningStripeEmulator } from "@/tools/stripe-emulator/server";

// The key's mode is fixed for a process (lib/env reads it once); the cache tests switch it here.
const keyOverride = vi.hoisted(
  () => ({}) as { mode?: "test" | "live"; client?: import("stripe").Stripe },
);
vi.mock("@/lib/stripe", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/stripe")>();
  return {
    ...real,
    stripeMode: () => keyOverride.mode ?? real.stripeMode(),
    getStripe: () => keyOverride.client ?? real.getStripe(),
  };
});

let emulator: RunningStripeEmulator;
let setup: typeof import("@/lib/billing/config/setup");
let portal: typeof import("@/lib/billing/config/portal");
let params: typeof import("@/lib/billing/config/portal-params");
let catalog: typeof import("@/lib/billing/catalog/plans");
let testStripe: Stripe;
let liveStripe: Stripe;

const WEBHOOK_URL = "http://localhost:3000/api/webhooks/stripe";

beforeAll(async () => {
  emulator = await startStripeEmulator();
  process.env.STRIPE_API_BASE = emulator.url;
  process.env.STRIPE_SECRET_KEY = "sk_test_stripe_setup";
  process.env.APP_URL = "http://localhost:3000";
  delete process.env.STRIPE_PORTAL_CONFIGURATION_ID;
  setup = await import("@/lib/billing/config/setup");
  portal = await import("@/lib/billing/config/portal");
  params = await import("@/lib/billing/config/portal-params");
  catalog = await import("@/lib/billing/catalog/plans");
  const client = (key: string) =>
    new Stripe(key, { host: "localhost", port: emulator.port, protocol: "http" });
  testStripe = client("sk_test_stripe_setup");
  liveStripe = client("sk_live_stripe_setup");
});

afterAll(async () => {
  await emulator?.stop();
});

/** The configuration's plan-switch prices as lookup keys, to compare with the catalog. */
async function planSwitchLookupKeys(stripe: Stripe, configurationId: string) {
  const config = await stripe.billingPortal.configurations.retrieve(configurationId);
  const ids = (config.features.subscription_update.products ?? []).flatMap((p) => p.prices);
  const prices = await Promise.all(ids.map((id) => stripe.prices.retrieve(id)));
  return prices.map((p) => p.lookup_key).sort();
}

describe("stripe:setup (emulator)", () => {
  it("creates products, prices, the portal configuration and the webhook endpoint on an empty account", async () => {
    const lines: string[] = [];
    const result = await setup.runStripeSetup({
      webhookUrl: WEBHOOK_URL,
      log: (l) => lines.push(l),
    });
    expect(result.applied).toBe(true);
    expect(result.mode).toBe("test");
    expect(result.changes.filter((c) => c.startsWith("create product"))).toHaveLength(2);
    expect(result.changes.filter((c) => c.startsWith("create price"))).toHaveLength(4);
    expect(result.changes.some((c) => c.startsWith("create Customer Portal configuration"))).toBe(
      true,
    );
    expect(result.changes.some((c) => c.startsWith("create webhook endpoint"))).toBe(true);
    expect(result.webhookSecret).toMatch(/^whsec_/);
    expect(Object.keys(result.prices).sort()).toEqual(catalog.catalogLookupKeys().sort());

    const config = await testStripe.billingPortal.configurations.retrieve(
      result.portalConfigurationId ?? "",
    );
    expect(config.livemode).toBe(false);
    expect(config.metadata).toMatchObject({ managed_by: "billing-done-right" });
    expect(config.default_return_url).toBe("http://localhost:3000/settings/billing");
    expect(config.features.subscription_pause.enabled).toBe(false);
    expect(await planSwitchLookupKeys(testStripe, config.id)).toEqual(
      catalog.catalogLookupKeys().sort(),
    );

    const endpoint = await testStripe.webhookEndpoints.retrieve(result.webhookEndpointId ?? "");
    const { WEBHOOK_EVENT_TYPES } = await import("@/lib/billing/sync/receive");
    expect([...endpoint.enabled_events].sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    expect(lines.join("\n")).toContain("Applied");

    portal.clearPortalConfigurationCache();
    expect(await portal.resolvePortalConfigurationId()).toBe(config.id);
  });

  it("changes nothing on a second run, and says so", async () => {
    const lines: string[] = [];
    const result = await setup.runStripeSetup({
      webhookUrl: WEBHOOK_URL,
      log: (l) => lines.push(l),
    });
    expect(result.changes).toEqual([]);
    expect(result.applied).toBe(false);
    expect(result.webhookSecret).toBeNull();
    expect(lines).toEqual([
      "Nothing to change: test mode already matches the catalog and portal configuration.",
    ]);
  });

  it("creates the sample promotion code once, in test mode only", async () => {
    const first = await setup.runStripeSetup({ samplePromotionCode: true });
    expect(first.changes).toEqual([
      "create sample coupon sample_launch_20 (20% off for 3 months) and promotion code LAUNCH20 (test mode only)",
    ]);
    const codes = await testStripe.promotionCodes.list({ code: "LAUNCH20" });
    expect(codes.data).toHaveLength(1);
    expect(codes.data[0]).toMatchObject({ active: true, code: "LAUNCH20" });
    const coupon = await testStripe.coupons.retrieve("sample_launch_20");
    expect(coupon).toMatchObject({ percent_off: 20, duration: "repeating", duration_in_months: 3 });
    expect((await setup.runStripeSetup({ samplePromotionCode: true })).changes).toEqual([]);

    await expect(
      setup.runStripeSetup({
        stripe: liveStripe,
        mode: "live",
        live: true,
        yes: true,
        samplePromotionCode: true,
      }),
    ).rejects.toThrow(/--sample-coupon is for test mode only/);
    expect((await liveStripe.coupons.list()).data).toHaveLength(0);
  });

  it("keeps test and live mode apart, and guards live mode with --live and a confirmation", async () => {
    await expect(setup.runStripeSetup({ stripe: liveStripe, mode: "live" })).rejects.toThrow(
      /live-mode key: pass --live/,
    );
    await expect(setup.runStripeSetup({ live: true })).rejects.toThrow(
      /--live was given but STRIPE_SECRET_KEY is a test-mode key/,
    );

    let asked: string[] = [];
    await expect(
      setup.runStripeSetup({
        stripe: liveStripe,
        mode: "live",
        live: true,
        confirm: async (changes) => {
          asked = changes;
          return false;
        },
      }),
    ).rejects.toThrow(/not confirmed; nothing was changed/);
    expect(asked.length).toBeGreaterThan(0);
    expect((await liveStripe.products.list()).data).toHaveLength(0);
    await expect(portal.lookUpPortalConfigurationId(liveStripe, "live")).rejects.toThrow(
      "No Customer Portal configuration in live mode: run npm run stripe:setup -- --live",
    );

    const live = await setup.runStripeSetup({
      stripe: liveStripe,
      mode: "live",
      live: true,
      yes: true,
    });
    expect(live.applied).toBe(true);
    expect(live.changes.filter((c) => c.startsWith("create price"))).toHaveLength(4);

    const testConfigId = await portal.resolvePortalConfigurationId({ fresh: true });
    const liveConfigId = await portal.lookUpPortalConfigurationId(liveStripe, "live");
    expect(liveConfigId).toBe(live.portalConfigurationId);
    expect(liveConfigId).not.toBe(testConfigId);
    for (const id of Object.values(live.prices)) {
      expect((await liveStripe.prices.retrieve(id)).livemode).toBe(true);
      await expect(testStripe.prices.retrieve(id)).rejects.toThrow(/No such price/);
    }
    const testKeys = (await testStripe.prices.list({ lookup_keys: ["team_yearly"] })).data;
    expect(testKeys.map((p) => p.id)).not.toContain(live.prices.team_yearly);

    // A configuration id from the other mode is never used.
    await expect(
      portal.lookUpPortalConfigurationId(liveStripe, "live", testConfigId),
    ).rejects.toMatchObject({ name: "PortalNotConfiguredError", reason: "wrong_mode" });
    expect(
      (await setup.runStripeSetup({ stripe: liveStripe, mode: "live", live: true, yes: true }))
        .changes,
    ).toEqual([]);
  });

  it("turns off a portal feature enabled by hand, and re-enables the webhook endpoint", async () => {
    const id = await portal.resolvePortalConfigurationId({ fresh: true });
    await testStripe.billingPortal.configurations.update(id, {
      features: { subscription_pause: { enabled: true } },
    });
    const endpoint = (await testStripe.webhookEndpoints.list()).data.find(
      (e) => e.url === WEBHOOK_URL,
    );
    await testStripe.webhookEndpoints.update(endpoint?.id ?? "", {
      disabled: true,
      enabled_events: ["invoice.paid"],
    });
    const result = await setup.runStripeSetup({ webhookUrl: WEBHOOK_URL });
    expect(result.changes).toEqual([
      `update Customer Portal configuration ${id}: subscription_pause is enabled but not intended`,
      expect.stringMatching(
        new RegExp(`^update webhook endpoint ${endpoint?.id}: enable it; subscribe to checkout`),
      ),
    ]);
    const config = await testStripe.billingPortal.configurations.retrieve(id);
    expect(params.portalConfigurationDrift(config, portal.PORTAL_CONFIGURATION, [])).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ area: "features" })]),
    );
    expect((await setup.runStripeSetup({ webhookUrl: WEBHOOK_URL })).changes).toEqual([]);
  });
  it("creates a new price and moves the lookup key when a catalog amount changes", async () => {
    const before = await testStripe.prices.list({ lookup_keys: ["pro_monthly"] });
    const old = before.data[0];
    expect(old?.unit_amount).toBe(1_200);

    const changed = catalog
      .catalogPrices()
      .map((e) =>
        e.price.lookupKey === "pro_monthly"
          ? { ...e, price: { ...e.price, unitAmount: 1_500 } }
          : e,
      );
    const result = await setup.runStripeSetup({ catalog: changed });
    expect(result.changes).toHaveLength(2);
    expect(result.changes[0]).toMatch(
      /^create price pro_monthly: 15\.00 USD \/ month \(lookup key moves from price_\w+, 12\.00 USD \/ month/,
    );
    expect(result.changes[1]).toMatch(
      /^update Customer Portal configuration bpc_\w+: catalog price pro_monthly \(new price\) is missing from plan switching; price price_\w+ is offered in plan switching but is not a catalog price$/,
    );

    const moved = await testStripe.prices.list({ lookup_keys: ["pro_monthly"] });
    expect(moved.data).toHaveLength(1);
    expect(moved.data[0]?.id).toBe(result.prices.pro_monthly);
    expect(moved.data[0]?.unit_amount).toBe(1_500);
    // The old price is not edited in place: same amount, still usable by its subscribers.
    const oldNow = await testStripe.prices.retrieve(old?.id ?? "");
    expect(oldNow.unit_amount).toBe(1_200);
    expect(oldNow.lookup_key).toBeNull();

    const config = await testStripe.billingPortal.configurations.retrieve(
      result.portalConfigurationId ?? "",
    );
    const offered = config.features.subscription_update.products?.flatMap((p) => p.prices) ?? [];
    expect(offered).toContain(result.prices.pro_monthly);
    expect(offered).not.toContain(old?.id);

    expect((await setup.runStripeSetup({ catalog: changed })).changes).toEqual([]);
  });
});

describe("the resolved portal configuration id (emulator)", () => {
  /** A newer tagged configuration: the lookup prefers it over the one setup made. */
  async function newerTaggedConfiguration(stripe: Stripe) {
    return stripe.billingPortal.configurations.create({
      features: { invoice_history: { enabled: true } },
      metadata: { [portal.PORTAL_CONFIGURATION_TAG.key]: portal.PORTAL_CONFIGURATION_TAG.value },
    });
  }

  it("is looked up again after a mode change, not served from the other mode's cache", async () => {
    portal.clearPortalConfigurationCache();
    const testId = await portal.resolvePortalConfigurationId();
    try {
      Object.assign(keyOverride, { mode: "live", client: liveStripe });
      const liveId = await portal.resolvePortalConfigurationId();
      expect(liveId).not.toBe(testId);
      expect((await liveStripe.billingPortal.configurations.retrieve(liveId)).livemode).toBe(true);
      // Meanwhile test mode gets a newer configuration.
      const newer = await newerTaggedConfiguration(testStripe);
      Object.assign(keyOverride, { mode: undefined, client: undefined });
      expect(await portal.resolvePortalConfigurationId()).toBe(newer.id);
      await testStripe.billingPortal.configurations.update(newer.id, { active: false });
    } finally {
      Object.assign(keyOverride, { mode: undefined, client: undefined });
    }
  });

  it("is dropped when Stripe refuses a portal session that used it", async () => {
    const { getStripe } = await import("@/lib/stripe");
    const stripe = getStripe();
    portal.clearPortalConfigurationCache();
    const setupId = await portal.resolvePortalConfigurationId();
    const newer = await newerTaggedConfiguration(testStripe);
    const cachedId = await portal.resolvePortalConfigurationId({ fresh: true });
    expect(cachedId).toBe(newer.id);
    expect(await portal.resolvePortalConfigurationId()).toBe(cachedId);

    // Deactivated in the Dashboard while the server runs: the next session is refused...
    await testStripe.billingPortal.configurations.update(newer.id, { active: false });
    const customer = await stripe.customers.create({ email: "portal-cache@test.test" });
    await expect(
      stripe.billingPortal.sessions.create({ customer: customer.id, configuration: cachedId }),
    ).rejects.toThrow("The configuration is inactive.");
    // ...and the one after it gets the configuration that still works, with no restart.
    expect(await portal.resolvePortalConfigurationId()).toBe(setupId);
    await stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: await portal.resolvePortalConfigurationId(),
    });
  });
});
