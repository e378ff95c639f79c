import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLANS } from "@/lib/billing/catalog/plans";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";
import { subscribedCustomer } from "@/lib/billing/testing/customers";

// Real Postgres and the local Stripe emulator, through startSubscription as the Server Action calls it.
let harness: BillingHarness;
let startSubscription: typeof import("@/lib/billing/sessions/checkout").startSubscription;
let checkoutSessionParams: typeof import("@/lib/billing/sessions/checkout").checkoutSessionParams;
let getStripe: typeof import("@/lib/stripe").getStripe;

beforeAll(async () => {
  harness = await startBillingHarness();
  ({ startSubscription, checkoutSessionParams } = await import("@/lib/billing/sessions/checkout"));
  ({ getStripe } = await import("@/lib/stripe"));
  const { runStripeSetup } = await import("@/lib/billing/config/setup");
  await runStripeSetup();
});

afterAll(async () => {
  await harness?.stop();
});

describe("Checkout parameters (pure)", () => {
  const base = { priceId: "price_1", seats: 1, trial: null };

  it("a Team Checkout asks for seats within the catalog's range, starting from the choice", () => {
    const params = checkoutSessionParams("u1", "cus_1", { ...base, plan: PLANS.team, seats: 3 });
    expect(params.line_items).toEqual([
      {
        price: "price_1",
        quantity: 3,
        adjustable_quantity: { enabled: true, minimum: 1, maximum: 50 },
      },
    ]);
  });

  it("a Pro Checkout has one seat, not adjustable, and takes promotion codes", () => {
    const params = checkoutSessionParams("u1", "cus_1", { ...base, plan: PLANS.pro });
    expect(params.line_items).toEqual([{ price: "price_1", quantity: 1 }]);
    expect(params.allow_promotion_codes).toBe(true);
    expect(params.payment_method_collection).toBeUndefined();
    expect(params.subscription_data).toEqual({ metadata: { userId: "u1" } });
  });

  it("a trial without a card up front asks for none and says what happens without one", () => {
    const params = checkoutSessionParams("u1", "cus_1", {
      ...base,
      plan: PLANS.pro,
      trial: PLANS.pro.trial,
    });
    expect(params.payment_method_collection).toBe("if_required");
    expect(params.subscription_data).toEqual({
      metadata: { userId: "u1" },
      trial_period_days: 14,
      trial_settings: { end_behavior: { missing_payment_method: "cancel" } },
    });
    const withCard = checkoutSessionParams("u1", "cus_1", {
      ...base,
      plan: PLANS.pro,
      trial: { days: 7, cardUpFront: true, withoutCard: "pause" },
    });
    expect(withCard.payment_method_collection).toBeUndefined();
    expect(withCard.subscription_data?.trial_period_days).toBe(7);
  });
});

async function openSessionOf(customer: string) {
  const open = await getStripe().checkout.sessions.list({ customer, status: "open", limit: 1 });
  const session = open.data[0];
  if (!session) throw new Error(`no open Checkout for ${customer}`);
  return session;
}

describe("startSubscription", () => {
  it("starts a first-time customer's trial with no card asked", async () => {
    const { createTestUser } = await import("@/lib/billing/testing/users");
    const { findStripeCustomerId } = await import("@/lib/billing/customers");
    const user = await createTestUser("first-trial");
    const started = await startSubscription(user.id, "pro_monthly", { trial: true });
    expect(started.kind).toBe("checkout");
    const session = await openSessionOf((await findStripeCustomerId(user.id))!);
    expect(session.payment_method_collection).toBe("if_required");
    expect(session.allow_promotion_codes).toBe(true);
  });

  it("offers no second trial after cancel-and-return, and says so", async () => {
    const { user, subscription } = await subscribedCustomer(harness, "second-trial");
    await getStripe().subscriptions.cancel(subscription.id);
    await harness.settle();
    await expect(startSubscription(user.id, "pro_monthly", { trial: true })).rejects.toMatchObject({
      code: "trial_used",
    });
    // Subscribing without the trial still works.
    expect((await startSubscription(user.id, "pro_monthly")).kind).toBe("checkout");
  });

  it("refuses seats outside the plan's range before calling Stripe", async () => {
    const { createTestUser } = await import("@/lib/billing/testing/users");
    const { findStripeCustomerId } = await import("@/lib/billing/customers");
    const user = await createTestUser("seats");
    await expect(startSubscription(user.id, "team_monthly", { seats: "51" })).rejects.toMatchObject(
      { code: "invalid_seats", message: "Team has at most 50 seats." },
    );
    await expect(startSubscription(user.id, "pro_monthly", { seats: "2" })).rejects.toMatchObject({
      code: "invalid_seats",
    });
    await expect(startSubscription(user.id, "team_monthly", { trial: true })).rejects.toMatchObject(
      { code: "trial_unavailable" },
    );
    expect(await findStripeCustomerId(user.id)).toBeNull();

    await startSubscription(user.id, "team_monthly", { seats: "3" });
    const session = await openSessionOf((await findStripeCustomerId(user.id))!);
    const items = await getStripe().checkout.sessions.listLineItems(session.id);
    expect(items.data[0]).toMatchObject({
      quantity: 3,
      adjustable_quantity: { enabled: true, minimum: 1, maximum: 50 },
    });
  });
});
