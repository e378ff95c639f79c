/**
 * Billing emails through a real SMTP server (smtp-server, on loopback) that refuses at first, and
 * turned off by BILLING_EMAILS_OFF: a failing send never makes the webhook answer 5xx, waits with
 * backoff, and goes out once the server takes it; a turned-off kind sends nothing.
 */
import { startTestSmtpServer } from "@/lib/email/testing/smtp-server";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";
import { createProMonthlyPrice } from "@/lib/billing/testing/customers";

let smtp: Awaited<ReturnType<typeof startTestSmtpServer>>;

let harness: BillingHarness;
let stripe: Stripe;
let db: typeof import("@/lib/db").db;
let proMonthly: Stripe.Price;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  smtp.refuse({ code: 451, message: "Mailbox temporarily unavailable" });
  process.env.EMAIL_SERVER = smtp.url;
  process.env.BILLING_EMAILS_OFF = "cancellation_scheduled";
  process.env.BILLING_EMAILS_ALSO_TO_BILLING_ADDRESS = "1";
  harness = await startBillingHarness();
  stripe = (await import("@/lib/stripe")).getStripe();
  ({ db } = await import("@/lib/db"));
  proMonthly = await createProMonthlyPrice(stripe);
});

afterAll(async () => {
  await harness?.stop();
  await smtp?.stop();
  delete process.env.EMAIL_SERVER;
  delete process.env.BILLING_EMAILS_OFF;
  delete process.env.BILLING_EMAILS_ALSO_TO_BILLING_ADDRESS;
});

/**
 * A customer two days before the end of a Pro trial (trial_will_end has been delivered and
 * synced), optionally with a Stripe billing email of its own.
 */
async function trialEndingSoon(label: string, billingEmail?: string) {
  const { getOrCreateStripeCustomer } = await import("@/lib/billing/customers");
  const { createTestUser } = await import("@/lib/billing/testing/users");
  const user = await createTestUser(label);
  const customerId = await getOrCreateStripeCustomer(user.id);
  // Changed in the portal's "customer information" (or the Dashboard): not a login.
  if (billingEmail) await stripe.customers.update(customerId, { email: billingEmail });
  const sub = await stripe.subscriptions.create({
    customer: customerId,
    items: [{ price: proMonthly.id }],
    trial_period_days: 14,
  });
  await harness.settle();
  await harness.ctl.advanceClock({ to: sub.trial_end! - 2 * 86_400 });
  await harness.settle();
  return { user, customerId };
}

describe("billing emails over SMTP", () => {
  it("a refused send retries with backoff, the webhook still answers 200, and it goes out once", async () => {
    const { user, customerId } = await trialEndingSoon("smtp");

    // Every delivery was answered 2xx: the emulator records no failed delivery.
    const deliveries = await harness.ctl.deliveries();
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.filter((d) => d.status < 200 || d.status >= 300)).toEqual([]);
    const [row] = await db.billingEmail.findMany({
      where: { stripeCustomerId: customerId, kind: "trial_will_end" },
    });
    expect(row).toMatchObject({ status: "pending", attempts: 1 });
    expect(row?.lastError).toMatch(/451|temporarily unavailable/i);
    expect(row!.runAfter.getTime()).toBeGreaterThan(Date.now() + 20_000);
    expect(smtp.received).toEqual([]);

    // The server takes mail again; the backoff is over: the drain sends it, once.
    smtp.refuse(null);
    await db.billingEmail.update({ where: { id: row!.id }, data: { runAfter: new Date(0) } });
    const { drainSyncQueue } = await import("@/lib/billing/sync/drain");
    await drainSyncQueue({ budgetMs: 5_000 });
    await drainSyncQueue({ budgetMs: 5_000 });
    expect(smtp.received.map((r) => r.to)).toEqual([[user.email]]);
    // Quoted-printable would write "=" as "=3D".
    expect(smtp.received[0]?.body).toMatch(/flow=(3D)?payment_method/);
    expect(await db.billingEmail.findUnique({ where: { id: row!.id } })).toMatchObject({
      status: "sent",
      attempts: 1,
    });
  });

  it("a kind turned off in BILLING_EMAILS_OFF sends nothing, and says why", async () => {
    const { getOrCreateStripeCustomer } = await import("@/lib/billing/customers");
    const { createTestUser } = await import("@/lib/billing/testing/users");
    const user = await createTestUser("emails-off");
    const customerId = await getOrCreateStripeCustomer(user.id);
    await stripe.paymentMethods.attach("pm_card_visa", { customer: customerId }).then((pm) =>
      stripe.customers.update(customerId, {
        invoice_settings: { default_payment_method: pm.id },
      }),
    );
    const sub = await stripe.subscriptions.create({
      customer: customerId,
      items: [{ price: proMonthly.id }],
    });
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    await harness.settle();
    const rows = await db.billingEmail.findMany({
      where: { stripeCustomerId: customerId, kind: "cancellation_scheduled" },
    });
    expect(rows.map((r) => [r.status, r.detail])).toEqual([
      ["skipped", "turned off (BILLING_EMAILS_OFF)"],
    ]);
    expect(smtp.received.filter((r) => r.to.includes(user.email))).toEqual([]);
  });

  it("with BILLING_EMAILS_ALSO_TO_BILLING_ADDRESS=1, a different billing email gets a copy too", async () => {
    smtp.refuse(null);
    const { user } = await trialEndingSoon("billing-address", "accounts@example.test");
    const to = smtp.received
      .filter((r) => r.to.includes(user.email) || r.to.includes("accounts@example.test"))
      .map((r) => r.to[0]);
    expect(to.sort()).toEqual(["accounts@example.test", user.email].sort());
  });

  it("a copy refused for one address is retried for that address only", async () => {
    smtp.refuse(null);
    smtp.refuseRecipients(["full-mailbox@example.test"]);
    const { user, customerId } = await trialEndingSoon("partial", "full-mailbox@example.test");
    const [row] = await db.billingEmail.findMany({
      where: { stripeCustomerId: customerId, kind: "trial_will_end" },
    });
    expect(row).toMatchObject({ status: "pending", attempts: 1, sentTo: [user.email] });

    smtp.refuseRecipients([]);
    await db.billingEmail.update({ where: { id: row!.id }, data: { runAfter: new Date(0) } });
    const { drainSyncQueue } = await import("@/lib/billing/sync/drain");
    await drainSyncQueue({ budgetMs: 5_000 });
    const toThem = smtp.received
      .filter((r) => r.to.includes(user.email) || r.to.includes("full-mailbox@example.test"))
      .map((r) => r.to[0]);
    // The login address once, the billing address once it took mail again.
    expect(toThem).toEqual([user.email, "full-mailbox@example.test"]);
  });
});
