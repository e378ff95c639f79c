/**
 * A free trial through the webhook pipeline (issue 15): trialing grants the plan; a trial that
 * ends without a card ends (`cancel`) or pauses (`pause`) as configured, and the plan goes with it;
 * a card added during the trial carries the plan on.
 */
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProMonthlyPrice } from "@/lib/billing/testing/customers";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";

let harness: BillingHarness;
let stripe: Stripe;
let proMonthly: Stripe.Price;

beforeAll(async () => {
  harness = await startBillingHarness();
  stripe = (await import("@/lib/stripe")).getStripe();
  proMonthly = await createProMonthlyPrice(stripe);
});

afterAll(async () => {
  await harness?.stop();
});

async function trialingCustomer(label: string, withoutCard: "cancel" | "pause" | "create_invoice") {
  const { getOrCreateStripeCustomer } = await import("@/lib/billing/customers");
  const { createTestUser } = await import("@/lib/billing/testing/users");
  const user = await createTestUser(label);
  const customerId = await getOrCreateStripeCustomer(user.id);
  const sub = await stripe.subscriptions.create({
    customer: customerId,
    items: [{ price: proMonthly.id }],
    trial_period_days: 14,
    trial_settings: { end_behavior: { missing_payment_method: withoutCard } },
  });
  await harness.settle();
  return { user, customerId, sub };
}

describe("a free trial", () => {
  it("grants the plan while trialing, and ends with the trial when no card was added (cancel)", async () => {
    const { getEntitlements } = await import("@/lib/billing/access/entitlements");
    const { loadBillingOverview } = await import("@/lib/billing/page/overview");
    const { user, sub } = await trialingCustomer("trial-cancel", "cancel");

    expect(await getEntitlements(user.id)).toMatchObject({
      plan: { key: "pro" },
      reason: "trialing",
    });
    const overview = await loadBillingOverview(user.id);
    expect(overview.subscription?.summary.next).toEqual({
      kind: "trial_ends",
      at: new Date(sub.trial_end! * 1000),
    });
    expect(overview.paymentMethod).toBeNull();
    // A trial was used: none is offered again.
    expect(overview.trialOffers).toEqual({});

    await harness.ctl.advanceClock({ to: sub.trial_end! + 3600 });
    await harness.settle();
    const after = await getEntitlements(user.id);
    expect(after.plan.key).toBe("free");
    const ended = await loadBillingOverview(user.id);
    expect(ended.subscription).toBeNull();
    expect(ended.endedSubscription?.status).toBe("canceled");
  });

  it("pauses at the trial's end when so configured, and a paused plan grants nothing", async () => {
    const { getEntitlements } = await import("@/lib/billing/access/entitlements");
    const { user, sub } = await trialingCustomer("trial-pause", "pause");
    await harness.ctl.advanceClock({ to: sub.trial_end! + 3600 });
    await harness.settle();
    expect(await getEntitlements(user.id)).toMatchObject({
      plan: { key: "free" },
      reason: "not_active",
      subscriptionStatus: "paused",
    });
  });

  it("carries on into the paid plan when a card was added during the trial", async () => {
    const { getEntitlements } = await import("@/lib/billing/access/entitlements");
    const { user, customerId, sub } = await trialingCustomer("trial-card", "cancel");
    const card = await stripe.paymentMethods.attach("pm_card_visa", { customer: customerId });
    await stripe.customers.update(customerId, {
      invoice_settings: { default_payment_method: card.id },
    });
    await harness.ctl.advanceClock({ to: sub.trial_end! + 3600 });
    await harness.settle();
    expect(await getEntitlements(user.id)).toMatchObject({
      plan: { key: "pro" },
      reason: "active",
    });
  });
});
