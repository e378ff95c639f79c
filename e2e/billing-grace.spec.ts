import { expect, test } from "@playwright/test";
import type Stripe from "stripe";
import { emulatorControl } from "../tools/stripe-emulator/control/client";
import { emulatorUrl, expectBillingPage, fillCard, emulatorStripe } from "./support/billing";
import { signIn } from "./support/sign-in";

// The e2e runner sets STRIPE_TEST_CLOCK_EMAILS to this ending (scripts/e2e.ts): such a user's
// Stripe customer lives on a test clock of its own, and the app's billing "now" is that clock's.
const CLOCK_EMAIL_ENDING = "@test-clock.example.com";
const DAY = 86400;

/** Advances a test clock like Stripe (asynchronously), and waits until its webhooks went out. */
async function advanceTestClock(stripe: Stripe, clockId: string, to: number): Promise<void> {
  await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
  await expect
    .poll(async () => (await stripe.testHelpers.testClocks.retrieve(clockId)).status)
    .toBe("ready");
  await emulatorControl(emulatorUrl()).flush();
}

test("grace expiry: the plan ends when the customer's test clock passes the grace period", async ({
  page,
}) => {
  const email = `grace-${Date.now()}-${Math.random().toString(36).slice(2, 8)}${CLOCK_EMAIL_ENDING}`;
  const stripe = emulatorStripe();
  const control = emulatorControl(emulatorUrl());
  // Retries far apart and "leave past due": only the passing of the grace period ends the plan.
  const dunning = await control.getDunning();
  await control.setDunning({ retryDays: [20], finalAction: "past_due" });
  try {
    await signIn(page, email);
    await page.getByRole("button", { name: "Subscribe to Pro monthly" }).click();
    await fillCard(page, "4242 4242 4242 4242");
    await page.getByRole("button", { name: "Subscribe" }).click();
    await expect(page).toHaveURL(/\/settings\/billing$/);
    await expect(page.getByTestId("subscription-status")).toHaveText("Active");

    const customer = (await stripe.customers.list({ email })).data[0];
    const clockId = customer?.test_clock;
    expect(typeof clockId).toBe("string");
    if (!customer || typeof clockId !== "string") return;
    const sub = (await stripe.subscriptions.list({ customer: customer.id })).data[0];
    if (!sub) throw new Error("no subscription");
    // The card starts declining (set in Stripe, as the Dashboard would).
    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: customer.id,
    });
    await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });

    const renewal = sub.items.data[0]!.current_period_end;
    await advanceTestClock(stripe, clockId, renewal + 3600);
    await expectBillingPage(page, async (soon) => {
      await soon(page.getByTestId("past-due-banner")).toContainText(
        /Update your payment method before \w+ \d+, \d{4} to keep Pro/,
      );
    });
    await page.goto("/settings/api-keys");
    await expect(page.getByTestId("upgrade-prompt")).toHaveCount(0);

    // Eight days later on the customer's clock (the wall clock has not moved): grace is over.
    await advanceTestClock(stripe, clockId, renewal + 8 * DAY);
    await expectBillingPage(page, async (soon) => {
      await soon(page.getByTestId("past-due-banner")).toContainText(
        "Your Pro plan is paused because a payment failed. Pay the open invoice to restore it.",
      );
    });
    await expect(
      page.getByTestId("past-due-banner").getByRole("link", { name: "Pay invoice" }),
    ).toBeVisible();
    await page.goto("/settings/api-keys");
    await expect(page.getByTestId("upgrade-prompt")).toContainText("You are on the Free plan");
  } finally {
    await control.setDunning(dunning);
  }
});
