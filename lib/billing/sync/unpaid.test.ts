/**
 * Dunning that ends in `unpaid` (issue 12, behaviour 2), through the webhook pipeline: the account
 * marks subscriptions unpaid after the last retry, the app grants nothing, the page asks for the
 * open invoice, and paying it restores the plan.
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
  await harness.ctl.setDunning({ retryDays: [2], finalAction: "unpaid" });
});

afterAll(async () => {
  await harness?.stop();
});

describe("a subscription Stripe marks unpaid", () => {
  it("grants nothing, shows the paused banner with the invoice to pay, and recovers once paid", async () => {
    const { getOrCreateStripeCustomer } = await import("@/lib/billing/customers");
    const { createTestUser } = await import("@/lib/billing/testing/users");
    const { getEntitlements } = await import("@/lib/billing/access/entitlements");
    const { loadBillingOverview } = await import("@/lib/billing/page/overview");
    const { pastDueText } = await import("@/lib/billing/page/alert-texts");

    const user = await createTestUser("unpaid");
    const customerId = await getOrCreateStripeCustomer(user.id);
    const good = await stripe.paymentMethods.attach("pm_card_visa", { customer: customerId });
    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: customerId,
    });
    const sub = await stripe.subscriptions.create({
      customer: customerId,
      items: [{ price: proMonthly.id }],
      default_payment_method: good.id,
    });
    await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
    await harness.settle();
    expect((await getEntitlements(user.id)).plan.key).toBe("pro");

    // Renewal fails, the one retry two days later fails: the account's final action applies.
    const renewal = sub.items.data[0]!.current_period_end;
    await harness.ctl.advanceClock({ to: renewal + 3 * 86400 });
    await harness.settle();

    const entitlements = await getEntitlements(user.id);
    expect(entitlements).toMatchObject({ reason: "not_active", subscriptionStatus: "unpaid" });
    expect(entitlements.plan.key).toBe("free");
    const overview = await loadBillingOverview(user.id);
    expect(overview.subscription?.status).toBe("unpaid");
    expect(overview.subscription?.summary.pastDue).toBe(true);
    expect(overview.openInvoiceUrl).toMatch(/\/i\/in_/);
    expect(pastDueText("Pro", overview.entitlements.graceEndsAt, overview.now, "en-US")).toMatch(
      /paused because a payment failed\. Pay the open invoice/,
    );

    // Paying the open invoice (as the hosted invoice page does) makes it active again.
    await stripe.subscriptions.update(sub.id, { default_payment_method: good.id });
    const open = (await stripe.invoices.list({ subscription: sub.id, status: "open" })).data[0];
    expect(open).toBeDefined();
    await stripe.invoices.pay(open!.id);
    await harness.settle();
    const restored = await getEntitlements(user.id);
    expect(restored).toMatchObject({ reason: "active", subscriptionStatus: "active" });
    expect(restored.plan.key).toBe("pro");
  });
});
