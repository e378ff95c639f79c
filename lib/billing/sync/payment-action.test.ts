import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subscribedCustomer } from "@/lib/billing/testing/customers";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";

// Issue 12, behaviour 9: a renewal whose card asks for 3-D Secure. Stripe sends
// invoice.payment_failed and invoice.payment_action_required; the page must ask the customer to
// confirm the payment on the hosted invoice page, and stop asking once it is paid.
let harness: BillingHarness;
let getStripe: typeof import("@/lib/stripe").getStripe;
let db: typeof import("@/lib/db").db;
let loadBillingOverview: typeof import("@/lib/billing/page/overview").loadBillingOverview;

beforeAll(async () => {
  harness = await startBillingHarness();
  ({ getStripe } = await import("@/lib/stripe"));
  ({ db } = await import("@/lib/db"));
  ({ loadBillingOverview } = await import("@/lib/billing/page/overview"));
  const { runStripeSetup } = await import("@/lib/billing/config/setup");
  await runStripeSetup();
});

afterAll(async () => {
  await harness?.stop();
});

describe("a payment that needs the customer's authentication", () => {
  it("syncs from invoice.payment_action_required; the page data links to the invoice until it is paid", async () => {
    const { user, customerId, subscription } = await subscribedCustomer(harness, "sca");
    const stripe = getStripe();
    const sca = await stripe.paymentMethods.attach("pm_card_authenticationRequired", {
      customer: customerId,
    });
    await stripe.subscriptions.update(subscription.id, { default_payment_method: sca.id });
    await harness.settle();
    await harness.ctl.advanceClock({ days: 32 });
    await harness.settle();

    const sub = await stripe.subscriptions.retrieve(subscription.id);
    expect(sub.status).toBe("past_due");
    const invoice = await stripe.invoices.retrieve(String(sub.latest_invoice));
    const event = await db.stripeEvent.findFirst({
      where: { type: "invoice.payment_action_required" },
    });
    expect(event?.outcome).toBe("synced");
    const row = await db.invoice.findUniqueOrThrow({ where: { id: invoice.id } });
    expect(row.paymentActionRequired).toBe(true);

    const overview = await loadBillingOverview(user.id);
    expect(overview.paymentActionUrl).toBe(invoice.hosted_invoice_url);
    expect(overview.subscription?.summary.pastDue).toBe(true);

    // The customer completes authentication on the hosted invoice page.
    const res = await fetch(`${invoice.hosted_invoice_url}/authenticate`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "outcome=complete",
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    await harness.settle();
    const after = await loadBillingOverview(user.id);
    expect(after.paymentActionUrl).toBeNull();
    expect(after.subscription?.status).toBe("active");
    expect((await db.invoice.findUniqueOrThrow({ where: { id: invoice.id } })).status).toBe("paid");
  });

  it("an incomplete first payment needing authentication: Free until confirmed, with the link", async () => {
    const { getOrCreateStripeCustomer } = await import("@/lib/billing/customers");
    const { resolvePriceId } = await import("@/lib/billing/catalog/prices");
    const { createTestUser } = await import("@/lib/billing/testing/users");
    const user = await createTestUser("sca-incomplete");
    const customerId = await getOrCreateStripeCustomer(user.id);
    const stripe = getStripe();
    const sca = await stripe.paymentMethods.attach("pm_card_authenticationRequired", {
      customer: customerId,
    });
    const sub = await stripe.subscriptions.create({
      customer: customerId,
      items: [{ price: await resolvePriceId("pro", "month") }],
      default_payment_method: sca.id,
      payment_behavior: "allow_incomplete",
    });
    expect(sub.status).toBe("incomplete");
    await harness.settle();
    const overview = await loadBillingOverview(user.id);
    expect(overview.subscription?.status).toBe("incomplete");
    expect(overview.entitlements.plan.key).toBe("free");
    const invoice = await stripe.invoices.retrieve(String(sub.latest_invoice));
    expect(overview.paymentActionUrl).toBe(invoice.hosted_invoice_url);
  });
});
