/**
 * Billing emails through the real pipeline (issue 16): signed webhooks from the emulator, shuffled
 * and duplicated, the drain, the local outbox. Each email once per event, with its deep link.
 */
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";
import { createProMonthlyPrice } from "@/lib/billing/testing/customers";
import { eventJson, signPayload } from "@/lib/billing/testing/signed-events";
import { TEST_WEBHOOK_SECRET } from "@/lib/billing/testing/harness";

let harness: BillingHarness;
let stripe: Stripe;
let proMonthly: Stripe.Price;
let db: typeof import("@/lib/db").db;
let appUrl: string;

beforeAll(async () => {
  harness = await startBillingHarness();
  stripe = (await import("@/lib/stripe")).getStripe();
  ({ db } = await import("@/lib/db"));
  appUrl = (await import("@/lib/env")).env.APP_URL;
  proMonthly = await createProMonthlyPrice(stripe);
});

afterAll(async () => {
  await harness?.stop();
});

async function customer(label: string, card = "pm_card_visa") {
  const { getOrCreateStripeCustomer } = await import("@/lib/billing/customers");
  const { createTestUser } = await import("@/lib/billing/testing/users");
  const user = await createTestUser(label);
  const customerId = await getOrCreateStripeCustomer(user.id);
  const pm = await stripe.paymentMethods.attach(card, { customer: customerId });
  await stripe.customers.update(customerId, {
    invoice_settings: { default_payment_method: pm.id },
  });
  return { user, customerId, pm };
}

/** The outbox's emails to `to`, oldest first. */
async function outbox(to: string) {
  return db.outboxEmail.findMany({ where: { to }, orderBy: { createdAt: "asc" } });
}

/** Delivers one Stripe event again, signed, as a retrying Stripe would. */
async function redeliver(event: Stripe.Event): Promise<number> {
  const { payload } = eventJson({
    id: event.id,
    type: event.type,
    object: event.data.object as unknown as Record<string, unknown>,
  });
  const POST = (await import("@/app/api/webhooks/stripe/route")).POST;
  const res = await POST(
    new Request(harness.webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "stripe-signature": signPayload(payload, TEST_WEBHOOK_SECRET),
      },
      body: payload,
    }),
  );
  return res.status;
}

describe("billing emails", () => {
  it("a failed renewal emails once per event, with the payment-method deep link; its recovery too", async () => {
    const { user, customerId } = await customer("failed-renewal");
    const sub = await stripe.subscriptions.create({
      customer: customerId,
      items: [{ price: proMonthly.id }],
    });
    await harness.settle();
    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: customerId,
    });
    await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
    await harness.ctl.advanceClock({ to: sub.items.data[0]!.current_period_end + 3600 });
    await harness.settle();

    const failed = (await outbox(user.email)).filter((e) => /failed/i.test(e.subject));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ url: `${appUrl}/api/billing/portal?flow=payment_method` });
    expect(failed[0]?.text).toContain("$12.00");
    expect(failed[0]?.text).toContain(`${appUrl}/api/billing/portal?flow=payment_method`);
    expect(failed[0]?.html).toContain("flow=payment_method");

    // Stripe retries a delivery, or sends it twice: still one email.
    const events = await stripe.events.list({ type: "invoice.payment_failed", limit: 100 });
    const event = events.data.find(
      (e) => (e.data.object as Stripe.Invoice).customer === customerId,
    )!;
    expect(await redeliver(event)).toBe(200);
    expect(await redeliver(event)).toBe(200);
    await harness.settle();
    expect((await outbox(user.email)).filter((e) => /failed/i.test(e.subject))).toHaveLength(1);
    const rows = await db.billingEmail.findMany({
      where: { stripeCustomerId: customerId, kind: "payment_failed" },
    });
    expect(rows.map((r) => r.status)).toEqual(["sent"]);

    // A good card pays the open invoice: "payment recovered", once.
    const good = await stripe.paymentMethods.attach("pm_card_visa", { customer: customerId });
    await stripe.subscriptions.update(sub.id, { default_payment_method: good.id });
    const invoiceId = (event.data.object as Stripe.Invoice).id!;
    await stripe.invoices.pay(invoiceId, { payment_method: good.id });
    await harness.settle();
    const recovered = (await outbox(user.email)).filter((e) =>
      /recovered|received/i.test(e.subject),
    );
    expect(recovered).toHaveLength(1);
    expect(recovered[0]?.url).toBe(`${appUrl}/settings/billing`);
  });

  it("a paid invoice without an emailed failure, and a failure already paid, send nothing", async () => {
    const { user, customerId } = await customer("paid-quietly");
    await stripe.subscriptions.create({ customer: customerId, items: [{ price: proMonthly.id }] });
    await harness.settle();
    expect(await outbox(user.email)).toEqual([]);
    const skipped = await db.billingEmail.findMany({ where: { stripeCustomerId: customerId } });
    expect(skipped.map((r) => [r.kind, r.status, r.detail])).toEqual([
      ["payment_recovered", "skipped", "no failure of this invoice was emailed"],
    ]);
  });

  it("a scheduled cancellation emails its end date with Resume, once; the end emails too", async () => {
    const { user, customerId } = await customer("cancel");
    const sub = await stripe.subscriptions.create({
      customer: customerId,
      items: [{ price: proMonthly.id }],
    });
    await harness.settle();
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    await harness.settle();
    const scheduled = (await outbox(user.email)).filter((e) => /cancel/i.test(e.subject));
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]?.url).toBe(`${appUrl}/api/billing/portal?flow=manage`);

    await stripe.subscriptions.cancel(sub.id);
    await harness.settle();
    const ended = (await outbox(user.email)).filter((e) => /ended/i.test(e.subject));
    expect(ended).toHaveLength(1);
    expect(ended[0]?.url).toBe(`${appUrl}/pricing`);
  });

  it("a trial ending without a card asks for one; with a card it links to the plan", async () => {
    const noCard = await (async () => {
      const { getOrCreateStripeCustomer } = await import("@/lib/billing/customers");
      const { createTestUser } = await import("@/lib/billing/testing/users");
      const user = await createTestUser("trial-no-card");
      const customerId = await getOrCreateStripeCustomer(user.id);
      return { user, customerId };
    })();
    const withCard = await customer("trial-card");
    const subs = await Promise.all(
      [noCard, withCard].map(({ customerId }) =>
        stripe.subscriptions.create({
          customer: customerId,
          items: [{ price: proMonthly.id }],
          trial_period_days: 14,
        }),
      ),
    );
    await harness.settle();
    // trial_will_end comes 3 days before the end.
    await harness.ctl.advanceClock({ to: subs[0]!.trial_end! - 2 * 86_400 });
    await harness.settle();
    const [first] = (await outbox(noCard.user.email)).filter((e) => /trial/i.test(e.subject));
    expect(first?.url).toBe(`${appUrl}/api/billing/portal?flow=payment_method`);
    expect(first?.text).toContain("Add a payment method");
    const [second] = (await outbox(withCard.user.email)).filter((e) => /trial/i.test(e.subject));
    expect(second?.url).toBe(`${appUrl}/api/billing/portal?flow=manage`);
    expect(second?.text).toContain("$12.00 / month");
  });

  it("a renewal waiting for 3-D Secure asks to confirm the payment, not for another card", async () => {
    const { user, customerId } = await customer("three-d-secure");
    const sub = await stripe.subscriptions.create({
      customer: customerId,
      items: [{ price: proMonthly.id }],
    });
    await harness.settle();
    const sca = await stripe.paymentMethods.attach("pm_card_authenticationRequired", {
      customer: customerId,
    });
    await stripe.subscriptions.update(sub.id, { default_payment_method: sca.id });
    await harness.ctl.advanceClock({ to: sub.items.data[0]!.current_period_end + 3600 });
    await harness.settle();
    const emails = await outbox(user.email);
    const confirm = emails.filter((e) => /confirm your payment/i.test(e.subject));
    expect(confirm).toHaveLength(1);
    expect(confirm[0]?.url).toMatch(/\/i\/in_/);
    expect(emails.filter((e) => /failed/i.test(e.subject))).toEqual([]);
  });

  it("an email whose event is more than 48 hours old is not sent", async () => {
    const { customerId } = await customer("late");
    const late = await db.billingEmail.create({
      data: {
        eventId: `evt_late_${Date.now()}`,
        kind: "subscription_ended",
        livemode: false,
        stripeCustomerId: customerId,
        subjectId: "sub_gone",
        createdAt: new Date(Date.now() - 49 * 3_600_000),
      },
    });
    await harness.settle();
    expect(await db.billingEmail.findUnique({ where: { id: late.id } })).toMatchObject({
      status: "skipped",
      detail: "too late: its event is more than 48 hours old",
    });
  });
});
