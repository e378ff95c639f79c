import type Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { subscribedCustomer } from "@/lib/billing/testing/customers";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";

// Issue 12, behaviour 1: Stripe's portal sets only the customer's invoice default, and a
// subscription's own card (Checkout sets one) wins. The drain makes the customer's new choice
// apply: the subscriptions use it, and a past-due invoice is paid with it once.
let harness: BillingHarness;
let getStripe: typeof import("@/lib/stripe").getStripe;
let db: typeof import("@/lib/db").db;
let syncStripeCustomer: typeof import("@/lib/billing/sync/sync-customer").syncStripeCustomer;

beforeAll(async () => {
  harness = await startBillingHarness();
  ({ getStripe } = await import("@/lib/stripe"));
  ({ db } = await import("@/lib/db"));
  ({ syncStripeCustomer } = await import("@/lib/billing/sync/sync-customer"));
  const { runStripeSetup } = await import("@/lib/billing/config/setup");
  await runStripeSetup();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await harness.ctl.clearFaults();
  await harness.settle();
});

afterAll(async () => {
  await harness?.stop();
});

/** A subscriber whose own subscription card now declines, one renewal later: past_due. */
async function pastDueCustomer(label: string) {
  const customer = await subscribedCustomer(harness, label);
  const stripe = getStripe();
  const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
    customer: customer.customerId,
  });
  await stripe.subscriptions.update(customer.subscription.id, {
    default_payment_method: failing.id,
  });
  await harness.ctl.advanceClock({ days: 32 });
  await harness.settle();
  const sub = await stripe.subscriptions.retrieve(customer.subscription.id);
  expect(sub.status).toBe("past_due");
  return { ...customer, failing: failing.id, invoiceId: String(sub.latest_invoice) };
}

/** Adds a card on the emulator's hosted portal page, as the customer would. */
async function addCardInPortal(customerId: string, cardNumber: string): Promise<string> {
  const session = await getStripe().billingPortal.sessions.create({ customer: customerId });
  // Opening the link binds the session to this "browser" (a cookie), as Stripe's are single-use.
  const opened = await fetch(session.url, { redirect: "manual" });
  expect(opened.status).toBe(200);
  const cookie = opened.headers
    .getSetCookie()
    .map((line) => line.split(";")[0])
    .join("; ");
  const res = await fetch(`${session.url}/payment-methods`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ cardnumber: cardNumber, exp: "12/34" }).toString(),
    redirect: "manual",
  });
  expect(res.status).toBe(303);
  const customer = (await getStripe().customers.retrieve(customerId)) as Stripe.Customer;
  return String(customer.invoice_settings.default_payment_method);
}

async function payCalls(): Promise<number> {
  return (await harness.ctl.requests()).byRoute["POST /v1/invoices/:id/pay"] ?? 0;
}

describe("a new default card in the portal", () => {
  it("past due: the drain pays the open invoice with it, and the subscription keeps it", async () => {
    const { customerId, subscription, invoiceId, user } = await pastDueCustomer("recover");
    await harness.ctl.resetRequests();
    const card = await addCardInPortal(customerId, "4242424242424242");
    await harness.settle();

    const stripe = getStripe();
    const sub = await stripe.subscriptions.retrieve(subscription.id);
    expect(sub.default_payment_method).toBe(card);
    expect(sub.status).toBe("active");
    expect((await stripe.invoices.retrieve(invoiceId)).status).toBe("paid");
    expect(await payCalls()).toBe(1);
    const row = await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } });
    expect(row.status).toBe("active");
    expect(row.userId).toBe(user.id);

    // Later syncs of the same customer never pay again for the same card.
    await harness.ctl.resetRequests();
    const { requestSyncs } = await import("@/lib/billing/sync/queue");
    await requestSyncs([customerId]);
    await harness.settle();
    expect(await payCalls()).toBe(0);
  });

  it("a declined new card is a normal failed payment: logged once, no crash, no retry storm", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { customerId, subscription, invoiceId } = await pastDueCustomer("recover-declined");
    await harness.ctl.resetRequests();
    const card = await addCardInPortal(customerId, "4000000000000341");
    await harness.settle();
    const stripe = getStripe();
    const sub = await stripe.subscriptions.retrieve(subscription.id);
    expect(sub.default_payment_method).toBe(card);
    expect(sub.status).toBe("past_due");
    expect((await stripe.invoices.retrieve(invoiceId)).status).toBe("open");
    expect(await payCalls()).toBe(1);
    expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toContain(invoiceId);
    const ticket = await db.customerSync.findUniqueOrThrow({ where: { customerId } });
    expect(ticket.lastError).toBeNull();
  });

  it("a card chosen again (B, then A, then B) moves the subscription back to it", async () => {
    const { customerId, subscription } = await subscribedCustomer(harness, "recover-again");
    const b = await addCardInPortal(customerId, "4242424242424242");
    await harness.settle();
    const a = await addCardInPortal(customerId, "5555555555554444");
    await harness.settle();
    const stripe = getStripe();
    expect((await stripe.subscriptions.retrieve(subscription.id)).default_payment_method).toBe(a);
    // "Make default" in the portal sets the customer's invoice default, as this does.
    await stripe.customers.update(customerId, { invoice_settings: { default_payment_method: b } });
    await harness.settle();
    expect((await stripe.subscriptions.retrieve(subscription.id)).default_payment_method).toBe(b);
  });

  it("active: the subscription's own card is replaced by the customer's choice, nothing is paid", async () => {
    const { customerId, subscription } = await subscribedCustomer(harness, "recover-active");
    await harness.ctl.resetRequests();
    const card = await addCardInPortal(customerId, "5555555555554444");
    await harness.settle();
    const sub = await getStripe().subscriptions.retrieve(subscription.id);
    expect(sub.default_payment_method).toBe(card);
    expect(await payCalls()).toBe(0);
  });

  it("the portal return's sync (a GET) changes nothing in Stripe; the drain does it", async () => {
    const { customerId, subscription } = await pastDueCustomer("recover-get");
    // Webhooks held back: only the return's immediate sync runs.
    await harness.ctl.setFaults({ shuffle: true, holdMs: 60_000 });
    try {
      await harness.ctl.resetRequests();
      await addCardInPortal(customerId, "4242424242424242");
      await syncStripeCustomer(customerId);
      expect(await payCalls()).toBe(0);
      const sub = await getStripe().subscriptions.retrieve(subscription.id);
      expect(sub.status).toBe("past_due");
    } finally {
      await harness.ctl.clearFaults();
      await harness.settle();
    }
    expect((await getStripe().subscriptions.retrieve(subscription.id)).status).toBe("active");
  });

  it("a choice already replaced in Stripe is not applied: card A's late sync never undoes card B", async () => {
    const { customerId, subscription } = await subscribedCustomer(harness, "recover-stale");
    const stripe = getStripe();
    const { fetchSnapshot } = await import("@/lib/billing/sync/fetch");
    const { planCardRecovery, applyCardRecovery, appliedCard } =
      await import("@/lib/billing/sync/card-recovery");
    const own = String(subscription.default_payment_method);
    const a = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: customerId,
    });
    const b = await stripe.paymentMethods.attach("pm_card_mastercard", { customer: customerId });

    // Webhooks held back: only this test's "sync" runs until they are released.
    await harness.ctl.setFaults({ shuffle: true, holdMs: 60_000 });
    // A sync fetched the customer while A was the choice; before it applies it, B is chosen.
    await stripe.customers.update(customerId, {
      invoice_settings: { default_payment_method: a.id },
    });
    const stale = await fetchSnapshot(customerId, [subscription.id]);
    await stripe.customers.update(customerId, {
      invoice_settings: { default_payment_method: b.id },
    });

    const plan = planCardRecovery(stale, null);
    expect(plan?.paymentMethodId).toBe(a.id);
    await applyCardRecovery(customerId, plan!, await appliedCard(customerId));
    // The subscription is left for B's own sync, not moved to the card the customer replaced.
    expect((await stripe.subscriptions.retrieve(subscription.id)).default_payment_method).toBe(own);

    await harness.ctl.clearFaults();
    await harness.settle();
    expect((await stripe.subscriptions.retrieve(subscription.id)).default_payment_method).toBe(
      b.id,
    );
  });
});
