import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { subscribedCustomer } from "@/lib/billing/testing/customers";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";

// The billing page's data and the returns from Stripe, against the emulator and a real database.
let harness: BillingHarness;
let loadBillingOverview: typeof import("@/lib/billing/page/overview").loadBillingOverview;
let completeBillingReturn: typeof import("@/lib/billing/sessions/returns").completeBillingReturn;
let syncStripeCustomer: typeof import("@/lib/billing/sync/sync-customer").syncStripeCustomer;
let resolvePriceId: typeof import("@/lib/billing/catalog/prices").resolvePriceId;
let startSubscription: typeof import("@/lib/billing/sessions/checkout").startSubscription;
let getStripe: typeof import("@/lib/stripe").getStripe;

beforeAll(async () => {
  harness = await startBillingHarness();
  ({ loadBillingOverview } = await import("@/lib/billing/page/overview"));
  ({ completeBillingReturn } = await import("@/lib/billing/sessions/returns"));
  ({ syncStripeCustomer } = await import("@/lib/billing/sync/sync-customer"));
  ({ resolvePriceId } = await import("@/lib/billing/catalog/prices"));
  ({ startSubscription } = await import("@/lib/billing/sessions/checkout"));
  ({ getStripe } = await import("@/lib/stripe"));
  const { runStripeSetup } = await import("@/lib/billing/config/setup");
  await runStripeSetup();
});

afterAll(async () => {
  await harness?.stop();
});

describe("the billing page's data", () => {
  it("shows Stripe's amount and quantity, not the catalog's", async () => {
    const { user, customerId, subscription } = await subscribedCustomer(harness, "amount");
    const stripe = getStripe();
    const item = subscription.items.data[0]!;
    await stripe.subscriptions.update(subscription.id, {
      items: [{ id: item.id, price: await resolvePriceId("team", "month"), quantity: 3 }],
      proration_behavior: "none",
    });
    await syncStripeCustomer(customerId);
    const overview = await loadBillingOverview(user.id);
    expect(overview.subscription?.summary.price).toMatchObject({
      unitAmount: 2900,
      quantity: 3,
      total: 8700,
      currency: "usd",
      perSeat: true,
    });
    expect(overview.entitlements.limits.apiKeys).toBe(30);
  });

  it("an ended subscription is history: no current plan, Free entitlements", async () => {
    const { user, customerId, subscription } = await subscribedCustomer(harness, "ended");
    await getStripe().subscriptions.cancel(subscription.id);
    await syncStripeCustomer(customerId);
    const overview = await loadBillingOverview(user.id);
    expect(overview.subscription).toBeNull();
    expect(overview.endedSubscription?.id).toBe(subscription.id);
    expect(overview.endedSubscription?.endedAt).toBeInstanceOf(Date);
    expect(overview.entitlements.plan.key).toBe("free");
  });

  it("two live subscriptions: the page is told, the log names both, the better plan wins", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const { user, customerId, subscription: first } = await subscribedCustomer(harness, "twice");
      const stripe = getStripe();
      // The older one is on Team...
      const team = await stripe.subscriptions.update(first.id, {
        items: [{ id: first.items.data[0]!.id, price: await resolvePriceId("team", "month") }],
        proration_behavior: "none",
      });
      // ...and a newer Pro one is made outside the app (the Dashboard, a script), where
      // Checkout would have refused: newest-first would pick Pro.
      const pro = await stripe.subscriptions.create({
        customer: customerId,
        items: [{ price: await resolvePriceId("pro", "month") }],
        default_payment_method: first.default_payment_method as string,
      });
      await syncStripeCustomer(customerId);
      const overview = await loadBillingOverview(user.id);
      expect(overview.subscription?.id).toBe(team.id);
      expect(overview.otherLiveSubscriptions.map((s) => s.id)).toEqual([pro.id]);
      expect(overview.entitlements.plan.key).toBe("team");
      const logged = warn.mock.calls.map((args) => String(args[0])).join("\n");
      expect(logged).toContain(`${customerId} has 2 live subscriptions`);
      expect(logged).toContain(pro.id);
      expect(logged).toContain(team.id);
    } finally {
      warn.mockRestore();
    }
  });

  it("asks Stripe, not our records, whether the user is already subscribed", async () => {
    const { user, customerId } = await subscribedCustomer(harness, "raced");
    await getStripe().subscriptions.cancel(
      (await getStripe().subscriptions.list({ customer: customerId })).data[0]!.id,
    );
    // A subscription our records do not know yet: the check inside the lock asks Stripe.
    await getStripe().subscriptions.create({
      customer: customerId,
      items: [{ price: await resolvePriceId("pro", "month") }],
      default_payment_method: (await getStripe().paymentMethods.list({ customer: customerId }))
        .data[0]!.id,
    });
    const started = await startSubscription(user.id, "team_monthly");
    expect(started.kind).toBe("portal");
  });
});

describe("returns from Stripe", () => {
  async function openCheckout(customerId: string) {
    return getStripe().checkout.sessions.create({
      mode: "subscription",
      customer: customerId,
      line_items: [{ price: await resolvePriceId("pro", "month"), quantity: 1 }],
      success_url:
        "http://localhost:3000/api/billing/return?from=checkout&session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "http://localhost:3000/api/billing/return?from=checkout_canceled",
    });
  }

  it("a paid session thanks the customer once synced; an old link after the end does not", async () => {
    const { getOrCreateStripeCustomer } = await import("@/lib/billing/customers");
    const { createTestUser } = await import("@/lib/billing/testing/users");
    const user = await createTestUser("paid-return");
    const customerId = await getOrCreateStripeCustomer(user.id);
    const session = await openCheckout(customerId);
    // Pay on the emulator's hosted page, as the customer would.
    const paid = await fetch(`${harness.emulatorUrl}/c/pay/${session.id}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ cardnumber: "4242424242424242", exp: "12/34", name: "A B" }),
      redirect: "manual",
    });
    expect(paid.status).toBe(303);
    const query = { from: "checkout", session_id: session.id };
    expect(await completeBillingReturn(user.id, query)).toBe("checkout_success");
    expect((await loadBillingOverview(user.id)).subscription?.status).toBe("active");

    const { subscription } = await getStripe().checkout.sessions.retrieve(session.id);
    await getStripe().subscriptions.cancel(subscription as string);
    expect(await completeBillingReturn(user.id, query)).toBeNull();
  });

  it("an open, unpaid session is not a success; an expired one says so", async () => {
    const { user, customerId } = await subscribedCustomer(harness, "open-session");
    const session = await openCheckout(customerId);
    const query = { from: "checkout", session_id: session.id };
    expect(await completeBillingReturn(user.id, query)).toBe("checkout_open");
    await getStripe().checkout.sessions.expire(session.id);
    expect(await completeBillingReturn(user.id, query)).toBe("checkout_expired");
  });

  it("another user's session, a made-up id and a malformed query are refused", async () => {
    const alice = await subscribedCustomer(harness, "alice-return");
    const bob = await subscribedCustomer(harness, "bob-return");
    const session = await openCheckout(alice.customerId);
    expect(
      await completeBillingReturn(bob.user.id, { from: "checkout", session_id: session.id }),
    ).toBe("checkout_mismatch");
    expect(
      await completeBillingReturn(bob.user.id, { from: "checkout", session_id: "cs_made_up" }),
    ).toBe("checkout_mismatch");
    expect(
      await completeBillingReturn(bob.user.id, { from: "checkout", session_id: "javascript:1" }),
    ).toBeNull();
    expect(await completeBillingReturn(bob.user.id, { from: "elsewhere" })).toBeNull();
  });

  it("a portal return syncs the customer before the page renders", async () => {
    const { user, subscription } = await subscribedCustomer(harness, "portal-return");
    // What the portal's cancel does, while its webhooks are held back.
    await harness.ctl.setFaults({ shuffle: true, holdMs: 60_000 });
    try {
      await getStripe().subscriptions.update(subscription.id, { cancel_at_period_end: true });
      const before = await loadBillingOverview(user.id);
      expect(before.subscription?.summary.next.kind).toBe("renews");
      expect(await completeBillingReturn(user.id, { from: "portal" })).toBeNull();
      const after = await loadBillingOverview(user.id);
      expect(after.subscription?.summary.next.kind).toBe("cancels");
    } finally {
      await harness.ctl.clearFaults();
      await harness.settle();
    }
  });
});
