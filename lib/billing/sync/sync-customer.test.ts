import type Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";

// The whole pipeline: Stripe emulator -> signed delivery -> real route handler -> sync -> Postgres.
let harness: BillingHarness;
let db: typeof import("@/lib/db").db;
let getStripe: typeof import("@/lib/stripe").getStripe;
let getOrCreateStripeCustomer: typeof import("@/lib/billing/customers").getOrCreateStripeCustomer;
let syncStripeCustomer: typeof import("@/lib/billing/sync/sync-customer").syncStripeCustomer;
let idOf: typeof import("@/lib/billing/stripe/ids").idOf;
let resolvePriceId: typeof import("@/lib/billing/catalog/prices").resolvePriceId;
let getEntitlements: typeof import("@/lib/billing/access/entitlements").getEntitlements;
let syncAfterCheckout: typeof import("@/lib/billing/sessions/checkout-return").syncAfterCheckout;
let reconcileBilling: typeof import("@/lib/billing/sync/reconcile").reconcileBilling;
let createTestUser: typeof import("@/lib/billing/testing/users").createTestUser;
let stripeState: typeof import("@/lib/billing/testing/state").stripeState;
let storedState: typeof import("@/lib/billing/testing/state").storedState;

beforeAll(async () => {
  harness = await startBillingHarness();
  ({ db } = await import("@/lib/db"));
  ({ getStripe } = await import("@/lib/stripe"));
  ({ getOrCreateStripeCustomer } = await import("@/lib/billing/customers"));
  ({ syncStripeCustomer } = await import("@/lib/billing/sync/sync-customer"));
  ({ idOf } = await import("@/lib/billing/stripe/ids"));
  ({ resolvePriceId } = await import("@/lib/billing/catalog/prices"));
  ({ getEntitlements } = await import("@/lib/billing/access/entitlements"));
  ({ syncAfterCheckout } = await import("@/lib/billing/sessions/checkout-return"));
  ({ reconcileBilling } = await import("@/lib/billing/sync/reconcile"));
  ({ createTestUser } = await import("@/lib/billing/testing/users"));
  ({ stripeState, storedState } = await import("@/lib/billing/testing/state"));
  const { runStripeSetup } = await import("@/lib/billing/config/setup");
  await runStripeSetup();
});

afterEach(async () => {
  await harness.ctl.clearFaults();
  await harness.settle();
});

afterAll(async () => {
  await harness?.stop();
});

async function newCustomer(label: string) {
  const user = await createTestUser(label);
  const customerId = await getOrCreateStripeCustomer(user.id);
  return { user, customerId };
}

/** Completes a hosted Checkout page like a customer would (the emulator's card form). */
async function checkout(customerId: string, priceId: string, cardNumber = "4242424242424242") {
  const session = await getStripe().checkout.sessions.create({
    mode: "subscription",
    customer: customerId,
    line_items: [{ price: priceId, quantity: 1 }],
    success_url: "http://localhost:3000/settings/billing?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "http://localhost:3000/settings/billing",
  });
  const res = await fetch(`${harness.emulatorUrl}/c/pay/${session.id}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      cardnumber: cardNumber,
      exp: "12/34",
      email: "",
      name: "Card Holder",
    }),
    redirect: "manual",
  });
  expect(res.status).toBe(303);
  const done = await getStripe().checkout.sessions.retrieve(session.id);
  expect(done.status).toBe("complete");
  return done;
}

/**
 * subscribe, upgrade, card change, cancel at period end, resume, failed renewal, recovery,
 * deletion: what a customer does over a few months in the portal, as Stripe API calls.
 */
async function customerHistory(customerId: string): Promise<string> {
  const stripe = getStripe();
  const session = await checkout(customerId, await resolvePriceId("pro", "month"));
  const subscriptionId = idOf(session.subscription)!;
  let subscription = await stripe.subscriptions.retrieve(subscriptionId);

  // Upgrade to Team, invoiced right away.
  subscription = await stripe.subscriptions.update(subscriptionId, {
    items: [{ id: subscription.items.data[0]!.id, price: await resolvePriceId("team", "month") }],
    proration_behavior: "always_invoice",
  });

  // Card change: a card that attaches fine but whose charges fail.
  const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
    customer: customerId,
  });
  await stripe.customers.update(customerId, {
    invoice_settings: { default_payment_method: failing.id },
  });
  await stripe.subscriptions.update(subscriptionId, { default_payment_method: failing.id });

  // Cancel at period end, then change of mind.
  await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true });
  await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: false });

  // The renewal fails on the bad card.
  const periodEnd = subscription.items.data[0]!.current_period_end;
  await harness.ctl.advanceClock({ to: periodEnd + 60 });
  subscription = await stripe.subscriptions.retrieve(subscriptionId);
  expect(subscription.status).toBe("past_due");

  // Recovery: a good card, and the open invoice is paid.
  const good = await stripe.paymentMethods.attach("pm_card_mastercard", { customer: customerId });
  await stripe.customers.update(customerId, {
    invoice_settings: { default_payment_method: good.id },
  });
  await stripe.subscriptions.update(subscriptionId, { default_payment_method: good.id });
  await stripe.invoices.pay(idOf(subscription.latest_invoice)!);
  expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe("active");

  // Deletion.
  await stripe.subscriptions.cancel(subscriptionId);
  return subscriptionId;
}

describe("webhook sync converges to Stripe's state", () => {
  // Seeds 1-3 hold every delivery and release them shuffled at the end; 4-6 release small shuffled
  // batches while the history is still being made, so syncs race the changes themselves.
  it.each([
    { seed: 1, holdMs: 120_000, duplicate: 1 },
    { seed: 2, holdMs: 120_000, duplicate: 2 },
    { seed: 3, holdMs: 120_000, duplicate: 1 },
    { seed: 4, holdMs: 15, duplicate: 1 },
    { seed: 5, holdMs: 15, duplicate: 2 },
    { seed: 6, holdMs: 0, duplicate: 1 },
  ])(
    "the same history delivered shuffled and duplicated (seed $seed, hold $holdMs ms, +$duplicate copies)",
    async (faults) => {
      const { user, customerId } = await newCustomer(`converge-${faults.seed}`);
      await harness.settle();
      await harness.ctl.setFaults({ shuffle: true, ...faults });
      const subscriptionId = await customerHistory(customerId);
      await harness.settle();

      // The history really is ~20 handled events, each delivered 1 + duplicate times.
      const ledger = await db.stripeEvent.findMany({ where: { stripeCustomerId: customerId } });
      expect(ledger.length).toBeGreaterThanOrEqual(20);
      const types = new Set(ledger.map((e) => e.type));
      for (const type of [
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.updated",
        "payment_method.attached",
        "invoice.paid",
        "invoice.payment_failed",
      ]) {
        expect(types).toContain(type);
      }
      for (const event of ledger) {
        expect(event.processedAt, event.type).not.toBeNull();
        expect(event.lastError).toBeNull();
        expect(event.outcome).toBe("synced");
      }
      const deliveries = (await harness.ctl.deliveries()).filter((d) =>
        ledger.some((e) => e.id === d.eventId),
      );
      expect(deliveries.length).toBeGreaterThanOrEqual(ledger.length * (1 + faults.duplicate));
      expect(deliveries.every((d) => d.status === 200)).toBe(true);

      // Our records equal Stripe's, field for field.
      expect(await storedState(customerId)).toEqual(await stripeState(customerId));

      // And they say what the history says, independently of the mapping code.
      const sub = await db.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
      expect(sub).toMatchObject({
        status: "canceled",
        planKey: "team",
        interval: "month",
        unknownPrice: false,
      });
      expect(sub.cancelAtPeriodEnd).toBe(false);
      expect(sub.endedAt).toBeInstanceOf(Date);
      expect(sub.pastDueSince).toBeNull();
      const billing = await db.billingCustomer.findUniqueOrThrow({ where: { id: customerId } });
      expect(billing).toMatchObject({ cardBrand: "mastercard", cardLast4: "4444" });
      const invoices = await db.invoice.findMany({ where: { stripeCustomerId: customerId } });
      expect(invoices.filter((i) => i.status === "paid").length).toBeGreaterThanOrEqual(3);
      expect(invoices.every((i) => i.status !== "open")).toBe(true);
      expect((await getEntitlements(user.id)).plan.key).toBe("free");
    },
  );
});

describe("syncStripeCustomer", () => {
  it("refuses an older snapshot written late: a slow fetch never overwrites a newer one", async () => {
    const { customerId } = await newCustomer("guard");
    await checkout(customerId, await resolvePriceId("pro", "month"));
    // No background sync may be running (it could meet the stalled read meant for sync A), and
    // webhooks would sync too: hold them so only the two syncs below run.
    await harness.settle();
    await harness.ctl.setFaults({ shuffle: true, holdMs: 120_000 });
    await syncStripeCustomer(customerId);
    const [sub] = await db.subscription.findMany({ where: { stripeCustomerId: customerId } });
    expect(sub?.status).toBe("active");

    // Sync A reads the active subscription, then stalls before its write.
    const stripe = getStripe();
    const list = stripe.invoices.list.bind(stripe.invoices);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const stalled = new Promise<void>((resolve) => (entered = resolve));
    const spy = vi.spyOn(stripe.invoices, "list").mockImplementationOnce((async (
      params: Stripe.InvoiceListParams,
    ) => {
      const page = await list(params);
      entered();
      await gate;
      return page;
    }) as unknown as typeof stripe.invoices.list);
    const syncA = syncStripeCustomer(customerId);
    await stalled;

    // Meanwhile the subscription is canceled, and sync B reads and writes that: it does not wait
    // for A (no lock is held across Stripe calls).
    await stripe.subscriptions.cancel(sub!.id);
    const resultB = await syncStripeCustomer(customerId);
    expect(resultB).toMatchObject({ status: "synced", written: true });
    expect((await db.subscription.findUniqueOrThrow({ where: { id: sub!.id } })).status).toBe(
      "canceled",
    );

    // A finishes last with its older snapshot: refused.
    release();
    expect(await syncA).toMatchObject({ status: "synced", written: false });
    spy.mockRestore();
    const after = await db.subscription.findUniqueOrThrow({ where: { id: sub!.id } });
    expect(after.status).toBe("canceled");
    expect(await storedState(customerId)).toEqual(await stripeState(customerId));
  });

  it("records and flags a subscription whose price is not in the catalog", async () => {
    const { user, customerId } = await newCustomer("legacy");
    const stripe = getStripe();
    const legacy = await stripe.prices.create({
      currency: "usd",
      unit_amount: 4_900,
      recurring: { interval: "month" },
      product_data: { name: "Gold (2019)" },
      lookup_key: `legacy_gold_${user.id}`,
    });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const session = await checkout(customerId, legacy.id);
    await harness.settle();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("not in the catalog"));
    warn.mockRestore();

    const sub = await db.subscription.findUniqueOrThrow({
      where: { id: idOf(session.subscription)! },
    });
    expect(sub).toMatchObject({
      status: "active",
      priceId: legacy.id,
      priceLookupKey: `legacy_gold_${user.id}`,
      planKey: null,
      unknownPrice: true,
    });
    const entitlements = await getEntitlements(user.id);
    expect(entitlements.plan.key).toBe("free");
    expect(entitlements.reason).toBe("price_not_in_catalog");
  });

  it("keeps a subscriber's plan when a price change moves the lookup key to a new price", async () => {
    const { user, customerId } = await newCustomer("grandfathered");
    const oldPriceId = await resolvePriceId("pro", "month");
    await checkout(customerId, oldPriceId);
    // What the catalog setup does when the amount changes: a new price takes the key over.
    const stripe = getStripe();
    const oldPrice = await stripe.prices.retrieve(oldPriceId);
    await stripe.prices.create({
      product: idOf(oldPrice.product)!,
      currency: "usd",
      unit_amount: 1_500,
      recurring: { interval: "month" },
      lookup_key: "pro_monthly",
      transfer_lookup_key: true,
      metadata: { plan: "pro" },
    });
    await harness.settle();
    // Stripe (and the emulator) render the item's price as it is now: the old price lost its key,
    // so only the grandfathering (the catalog's `metadata.plan` tag) can keep the plan.
    const [item] = (await stripe.subscriptions.list({ customer: customerId })).data[0]!.items.data;
    expect(item?.price).toMatchObject({
      id: oldPriceId,
      lookup_key: null,
      metadata: { plan: "pro" },
    });
    await syncStripeCustomer(customerId);
    const [sub] = await db.subscription.findMany({ where: { userId: user.id } });
    expect(sub).toMatchObject({
      priceId: oldPriceId,
      priceLookupKey: null,
      planKey: "pro",
      unknownPrice: false,
    });
    expect((await getEntitlements(user.id)).plan.key).toBe("pro");
    expect(await storedState(customerId)).toEqual(await stripeState(customerId));
  });

  it("serves the checkout return: the user's own session syncs at once, others are refused", async () => {
    const { user, customerId } = await newCustomer("return");
    await harness.ctl.setFaults({ shuffle: true, holdMs: 120_000 }); // no webhook help
    const session = await checkout(customerId, await resolvePriceId("team", "year"));
    expect((await syncAfterCheckout(user.id, session.id))?.sync).toMatchObject({
      status: "synced",
    });
    expect(await getEntitlements(user.id)).toMatchObject({
      reason: "active",
      plan: { key: "team" },
    });

    const other = await newCustomer("return-other");
    await expect(syncAfterCheckout(other.user.id, session.id)).rejects.toThrow(/not for user/);
    expect(await syncAfterCheckout(user.id, "javascript:alert(1)")).toBeNull();
  });

  it("reconciliation heals what missed webhooks left behind", async () => {
    const { user, customerId } = await newCustomer("reconcile");
    await harness.ctl.setFaults({ shuffle: true, holdMs: 120_000 });
    await checkout(customerId, await resolvePriceId("pro", "year"));
    expect(await db.subscription.count({ where: { userId: user.id } })).toBe(0);
    // The held deliveries have not arrived; reconciliation does not wait for them. (The database is
    // shared with other test files whose customers live in other emulators: those fail here.)
    const report = await reconcileBilling({ customerIds: [customerId] });
    expect(report.customers).toMatchObject([{ customerId, status: "changed" }]);
    expect(report.failed).toBe(0);
    expect(await db.subscription.count({ where: { userId: user.id, status: "active" } })).toBe(1);
  });
});
