/**
 * Stripe test clocks end to end (issue 12, behaviour 6): with STRIPE_TEST_CLOCK_EMAILS the app puts
 * a new customer on a clock of its own, the sync stores the clock's frozen time, and entitlements
 * and the billing page read "now" from it, so grace expiry follows the clock, not the wall clock.
 */
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProMonthlyPrice } from "@/lib/billing/testing/customers";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";

let harness: BillingHarness;
let stripe: Stripe;
let proMonthly: Stripe.Price;

const DAY = 86400;

beforeAll(async () => {
  process.env.STRIPE_TEST_CLOCK_EMAILS = "*";
  harness = await startBillingHarness();
  stripe = (await import("@/lib/stripe")).getStripe();
  proMonthly = await createProMonthlyPrice(stripe);
});

afterAll(async () => {
  delete process.env.STRIPE_TEST_CLOCK_EMAILS;
  await harness?.stop();
});

async function advanceClock(clockId: string, to: number): Promise<void> {
  await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
  for (let i = 0; i < 200; i++) {
    if ((await stripe.testHelpers.testClocks.retrieve(clockId)).status === "ready") break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await harness.settle();
}

describe("a customer on a test clock", () => {
  it("loses its plan when its clock passes the grace period, whatever the wall clock says", async () => {
    // Retries far apart and "leave past due": only the clock's time can end the grace period.
    await harness.ctl.setDunning({ retryDays: [20], finalAction: "past_due" });
    const { getOrCreateStripeCustomer } = await import("@/lib/billing/customers");
    const { createTestUser } = await import("@/lib/billing/testing/users");
    const { getEntitlements } = await import("@/lib/billing/access/entitlements");
    const { loadBillingOverview } = await import("@/lib/billing/page/overview");
    const { db } = await import("@/lib/db");

    const user = await createTestUser("clock");
    const customerId = await getOrCreateStripeCustomer(user.id);
    const customer = await stripe.customers.retrieve(customerId);
    const clockId = !customer.deleted ? customer.test_clock : null;
    expect(typeof clockId).toBe("string");
    if (typeof clockId !== "string") return;

    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: customerId,
    });
    const good = await stripe.paymentMethods.attach("pm_card_visa", { customer: customerId });
    const sub = await stripe.subscriptions.create({
      customer: customerId,
      items: [{ price: proMonthly.id }],
      default_payment_method: good.id,
    });
    await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
    await harness.settle();
    const clock = await stripe.testHelpers.testClocks.retrieve(clockId);
    expect(
      (await db.billingCustomer.findUniqueOrThrow({ where: { id: customerId } })).testClockFrozenAt,
    ).toEqual(new Date(clock.frozen_time * 1000));

    const renewal = sub.items.data[0]!.current_period_end;
    await advanceClock(clockId, renewal + 3600);
    const inGrace = await getEntitlements(user.id);
    expect(inGrace).toMatchObject({ reason: "past_due_grace", subscriptionStatus: "past_due" });
    expect(inGrace.plan.key).toBe("pro");
    expect(inGrace.graceEndsAt?.getTime()).toBe((renewal + 7 * DAY) * 1000);

    // Nothing about the subscription happens in these 8 days: only the clock's `ready` event
    // tells the app that time moved.
    await advanceClock(clockId, renewal + 8 * DAY);
    const stored = await db.billingCustomer.findUniqueOrThrow({ where: { id: customerId } });
    expect(stored.testClockFrozenAt).toEqual(new Date((renewal + 8 * DAY) * 1000));
    const over = await getEntitlements(user.id);
    expect(over).toMatchObject({ reason: "past_due_grace_over", subscriptionStatus: "past_due" });
    expect(over.plan.key).toBe("free");
    const overview = await loadBillingOverview(user.id);
    expect(overview.now).toEqual(new Date((renewal + 8 * DAY) * 1000));
    expect(overview.entitlements.reason).toBe("past_due_grace_over");
    await harness.ctl.setDunning({ retryDays: [3, 2, 2], finalAction: "cancel" });
  });
});

describe("STRIPE_TEST_CLOCK_EMAILS", () => {
  const base = {
    DATABASE_URL: "postgresql://postgres@localhost:5432/app",
    STRIPE_TEST_CLOCK_EMAILS: "@clock.test",
  };
  const problems = async (source: Record<string, string>): Promise<string> => {
    const result = (await import("@/lib/env")).checkEnv(source);
    return result.ok ? "" : result.problems.join(" | ");
  };

  it("is accepted in development with a test key", async () => {
    expect(await problems({ ...base, STRIPE_SECRET_KEY: "sk_test_x" })).toBe("");
  });

  it("is refused with a live key, and in a production deployment", async () => {
    expect(await problems({ ...base, STRIPE_SECRET_KEY: "sk_live_x" })).toMatch(
      /STRIPE_TEST_CLOCK_EMAILS is set with a live STRIPE_SECRET_KEY/,
    );
    const production = {
      ...base,
      NODE_ENV: "production",
      APP_URL: "https://app.example.com",
      AUTH_SECRET: "a-random-secret-of-at-least-32-characters",
      EMAIL_SERVER: "smtp://u:p@smtp.example.com:587",
      STRIPE_SECRET_KEY: "sk_test_x",
      STRIPE_WEBHOOK_SECRET: "whsec_x",
    };
    expect(await problems(production)).toMatch(/STRIPE_TEST_CLOCK_EMAILS is set in production/);
  });
});
