import { expect, test } from "@playwright/test";
import { emulatorControl } from "../tools/stripe-emulator/control/client";
import { emulatorUrl, expectBillingPage, fillCard, emulatorStripe } from "./support/billing";
import { latestEmail } from "./support/outbox";
import { readmeScreenshot } from "./support/screenshots";
import { openSignInLink, signIn } from "./support/sign-in";

// A test-clock customer (scripts/e2e.ts sets STRIPE_TEST_CLOCK_EMAILS): its renewal is made to
// fail by advancing its own clock, without moving anyone else's time.
const CLOCK_EMAIL_ENDING = "@test-clock.example.com";

test("a failed renewal emails the customer; its button leads through sign-in to a new card, and the banner goes", async ({
  page,
  browser,
}) => {
  const email = `dunning-${Date.now()}-${Math.random().toString(36).slice(2, 8)}${CLOCK_EMAIL_ENDING}`;
  const stripe = emulatorStripe();
  await signIn(page, email);
  await page.getByRole("button", { name: "Subscribe to Pro monthly" }).click();
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Subscribe", exact: true }).click();
  await expect(page.getByTestId("subscription-status")).toHaveText("Active");

  const customer = (await stripe.customers.list({ email })).data[0]!;
  const clockId = customer.test_clock as string;
  const sub = (await stripe.subscriptions.list({ customer: customer.id })).data[0]!;
  const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
    customer: customer.id,
  });
  await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
  await stripe.testHelpers.testClocks.advance(clockId, {
    frozen_time: sub.items.data[0]!.current_period_end + 3600,
  });
  await expect
    .poll(async () => (await stripe.testHelpers.testClocks.retrieve(clockId)).status)
    .toBe("ready");
  await emulatorControl(emulatorUrl()).flush();

  const failed = await latestEmail(email, /failed/i);
  expect(failed.text).toContain("$12.00");
  expect(failed.url).toMatch(/\/api\/billing\/portal\?flow=payment_method$/);
  expect(failed.html).toContain("flow=payment_method");
  const preview = await browser.newPage({ viewport: { width: 720, height: 640 } });
  await preview.setContent(failed.html!);
  await readmeScreenshot(preview, "12-email-payment-failed");
  await preview.close();

  // The customer opens the email's button in a browser where they are signed out.
  const context = await browser.newContext();
  const reader = await context.newPage();
  await reader.goto(failed.url!);
  await expect(reader).toHaveURL(/\/sign-in\?callbackUrl=/);
  await reader.getByLabel("Email").fill(email);
  // The address signed in before: wait for this request's email, not the used one.
  const asked = new Date();
  await reader.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(reader.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await openSignInLink(reader, email, asked);
  await expect(reader.getByRole("heading", { name: "Update your payment method" })).toBeVisible();
  await reader.getByRole("button", { name: "Continue to Stripe" }).click();
  await fillCard(reader, "4242 4242 4242 4242");
  await reader.getByRole("button", { name: "Add" }).click();
  await expect(reader).toHaveURL(/\/settings\/billing$/);
  await expectBillingPage(reader, async (soon) => {
    await soon(reader.getByTestId("subscription-status")).toHaveText("Active");
    await soon(reader.getByTestId("past-due-banner")).toHaveCount(0);
  });
  // The recovered payment is news too, once.
  const recovered = await latestEmail(email, /recovered|received|active again/i);
  expect(recovered.url).toMatch(/\/settings\/billing$/);
  await context.close();

  // The founder's console lists the failure and the recovery among the customer's events.
  const admin = await browser.newContext();
  const consolePage = await admin.newPage();
  await signIn(consolePage, "admin@example.com", `/admin/billing/customers/${customer.id}`);
  await expect(consolePage.getByRole("heading", { name: `Customer ${customer.id}` })).toBeVisible();
  await expect(consolePage.getByText("invoice.payment_failed").first()).toBeVisible();
  await expect(consolePage.getByText("invoice.paid").first()).toBeVisible();
  await admin.close();
});
