import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";
import { subscribedCustomer } from "@/lib/billing/testing/customers";

// Real Postgres and the local Stripe emulator (imports after the harness sets the environment).
let harness: BillingHarness;
let pricing: typeof import("@/lib/billing/page/pricing");
let getStripe: typeof import("@/lib/stripe").getStripe;

beforeAll(async () => {
  harness = await startBillingHarness();
  pricing = await import("@/lib/billing/page/pricing");
  ({ getStripe } = await import("@/lib/stripe"));
  const { runStripeSetup } = await import("@/lib/billing/config/setup");
  await runStripeSetup();
});

afterAll(async () => {
  await harness?.stop();
});

describe("the subscribe choice in a query string", () => {
  it("keeps a catalog price, seats in range and the trial where the plan has one", () => {
    expect(pricing.parseSubscribeRequest({ price: "team_yearly", seats: "3" })).toMatchObject({
      ok: true,
      request: { lookupKey: "team_yearly", interval: "year", seats: 3, trial: false },
    });
    expect(pricing.parseSubscribeRequest({ price: "pro_monthly", trial: "1" })).toMatchObject({
      ok: true,
      request: { lookupKey: "pro_monthly", seats: 1, trial: true },
    });
    // Team has no trial: asking for one is ignored, not an error.
    expect(pricing.parseSubscribeRequest({ price: "team_monthly", trial: "1" })).toMatchObject({
      ok: true,
      request: { trial: false },
    });
  });

  it("refuses what the catalog does not sell, with a message", () => {
    expect(pricing.parseSubscribeRequest({ price: "gold_monthly" })).toEqual({
      ok: false,
      message: "That plan isn't available.",
    });
    expect(pricing.parseSubscribeRequest({ price: "team_monthly", seats: "500" })).toEqual({
      ok: false,
      message: "Team has at most 50 seats.",
    });
    expect(pricing.parseSubscribeRequest({})).toMatchObject({ ok: false });
    expect(pricing.parseSubscribeRequest({ price: ["a", "b"] })).toMatchObject({ ok: false });
  });

  it("round-trips through the confirmation path", () => {
    const parsed = pricing.parseSubscribeRequest({ price: "team_yearly", seats: "3" });
    if (!parsed.ok) throw new Error(parsed.message);
    expect(pricing.subscribeConfirmationPath(parsed.request)).toBe(
      "/settings/billing/subscribe?price=team_yearly&seats=3",
    );
  });

  it("reads the interval toggle, falling back to monthly", () => {
    expect(pricing.pricingIntervalSchema.parse("year")).toBe("year");
    expect(pricing.pricingIntervalSchema.parse("decade")).toBe("month");
    expect(pricing.pricingIntervalSchema.parse(undefined)).toBe("month");
  });
});

describe("the pricing page", () => {
  it("offers an anonymous visitor Stripe's prices, the features and Pro's trial, through sign-in", async () => {
    const page = await pricing.loadPricingPage(null, "year");
    expect(page.pricesUnavailable).toBe(false);
    expect(
      page.offers.map((o) => [o.lookupKey, o.amount?.unitAmount, o.action, o.trial?.days]),
    ).toEqual([
      ["pro_yearly", 12_000, "sign_in", 14],
      ["team_yearly", 29_000, "sign_in", undefined],
    ]);
    expect(page.offers[1]).toMatchObject({
      features: ["API access (/api/v1)", "Up to 10 API keys per seat"],
      seats: { min: 1, max: 50 },
    });
  });

  it("shows a subscriber their current plan and switches for the rest, with no trial", async () => {
    const { user, subscription } = await subscribedCustomer(harness, "pricing-subscriber");
    const page = await pricing.loadPricingPage(user.id, "month");
    expect(page.offers.map((o) => [o.lookupKey, o.action, o.trial])).toEqual([
      ["pro_monthly", "current", null],
      ["team_monthly", "switch", null],
    ]);

    // Canceled and back: Checkout again, but no second trial.
    await getStripe().subscriptions.cancel(subscription.id);
    await harness.settle();
    const after = await pricing.loadPricingPage(user.id, "month");
    expect(after.offers.map((o) => [o.action, o.trial])).toEqual([
      ["checkout", null],
      ["checkout", null],
    ]);
    const parsed = pricing.parseSubscribeRequest({ price: "pro_monthly", trial: "1" });
    if (!parsed.ok) throw new Error(parsed.message);
    expect(await pricing.loadSubscribeConfirmation(user.id, parsed.request)).toMatchObject({
      trial: null,
      trialUsed: true,
      subscribed: false,
    });
  });
});
