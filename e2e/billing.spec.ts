import { expect, test, type Page } from "@playwright/test";
import {
  advanceStripeClock,
  cancelThroughDeepLink,
  expectBillingPage,
  fillCard,
  liveSubscriptionsOf,
  switchPlan,
} from "./support/billing";
import { readmeScreenshot } from "./support/screenshots";
import { signIn, uniqueEmail } from "./support/sign-in";

// One customer's whole life, in order: each step builds on the previous one. Every return from
// Stripe is checked on the page it lands on, without a reload: the return syncs before rendering.
test.describe.configure({ mode: "serial" });

let page: Page;
const email = uniqueEmail("billing");

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await signIn(page, email);
});
test.afterAll(async () => page.close());

const currentPlan = () => page.getByTestId("current-plan");
/** The card Stripe charges for the subscription: its own default_payment_method. */
const subscriptionCard = async () =>
  String((await liveSubscriptionsOf(email))[0]?.default_payment_method ?? "");
const next = () => page.getByTestId("subscription-next");

test("a new user is on Free, sees the plans, and the paid feature is locked", async () => {
  await page.goto("/settings/billing");
  await expect(currentPlan().getByRole("heading", { name: "Free" })).toBeVisible();
  await expect(page.getByText("Test mode", { exact: true })).toBeVisible();
  await expect(page.getByText("Local Stripe emulator", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Subscribe to Pro monthly" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel subscription" })).toHaveCount(0);
  // The cards promise only what the template has.
  await expect(page.getByTestId("plan-team")).toContainText("API access");
  await expect(page.getByTestId("plan-team")).not.toContainText(/projects|Single sign-on|Audit/);
  await readmeScreenshot(page, "1-free-plan");

  await page.goto("/settings/api-keys");
  await expect(page.getByTestId("upgrade-prompt")).toContainText("You are on the Free plan");
  await expect(page.getByRole("button", { name: "Create key" })).toHaveCount(0);
});

test("subscribe through Checkout: the plan shows at once, and a reload thanks no one twice", async () => {
  await page.goto("/settings/billing");
  await page.getByRole("button", { name: "Subscribe to Pro monthly" }).click();
  await expect(page.getByRole("heading", { name: "Subscribe" })).toBeVisible();
  await readmeScreenshot(page, "2-checkout");
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Subscribe" }).click();

  // Synced on return (before any webhook), then redirected to the clean URL.
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expect(page.getByTestId("billing-notice")).toContainText("Your subscription is active");
  await expect(currentPlan().getByRole("heading", { name: "Pro" })).toBeVisible();
  await expect(page.getByTestId("subscription-status")).toHaveText("Active");
  await expect(next()).toContainText(/^Renews on \w+ \d+, \d{4}$/);
  await expect(page.getByTestId("subscription-price")).toHaveText("$12.00 / month");
  await expect(page.getByTestId("card")).toContainText("Visa ending in 4242");
  await expect(page.getByRole("table", { name: "Invoices" }).getByRole("row")).toHaveCount(2);
  await readmeScreenshot(page, "3-subscribed");

  await page.reload();
  await expect(currentPlan().getByRole("heading", { name: "Pro" })).toBeVisible();
  await expect(page.getByTestId("billing-notice")).toHaveCount(0);
});

test("the paid feature opens: a new API key is listed at once and works", async ({ request }) => {
  await page.goto("/settings/api-keys");
  await page.getByLabel("Key name").fill("e2e deploys");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = await page.getByTestId("new-api-key").textContent();
  expect(key).toMatch(/^bdr_/);
  await expect(page.getByRole("listitem").filter({ hasText: "e2e deploys" })).toBeVisible();
  const response = await request.get("/api/v1/me", { headers: { authorization: `Bearer ${key}` } });
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ email, plan: "Pro" });
});

test("the cancel deep link: the page says when it ends the moment the customer is back", async () => {
  await page.goto("/settings/billing");
  await cancelThroughDeepLink(page);
  await expect(next()).toContainText(/^Cancels on \w+ \d+, \d{4}$/);
  await expect(page.getByRole("button", { name: "Resume subscription" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel subscription" })).toHaveCount(0);
  await readmeScreenshot(page, "7-cancels-on");
});

test("resume through the portal home: renews again, at once", async () => {
  await page.getByRole("button", { name: "Resume subscription" }).click();
  await expect(page.getByRole("heading", { name: /Current subscription/ })).toBeVisible();
  await readmeScreenshot(page, "4-portal");
  await page.getByRole("button", { name: "Renew subscription" }).click();
  await page
    .getByRole("link", { name: /Return to/ })
    .first()
    .click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expect(next()).toContainText(/^Renews on /);
});

test("an upgrade through the switch deep link applies now", async () => {
  await switchPlan(page, "Switch to Team monthly", /Your plan changes immediately/);
  await expect(currentPlan().getByRole("heading", { name: "Team" })).toBeVisible();
  await expect(page.getByTestId("subscription-price")).toHaveText(
    "1 seat × $29.00 = $29.00 / month",
  );
  await expect(page.getByTestId("plan-team")).toContainText("Current plan");
});

test("update the card through the deep link", async () => {
  await page.getByRole("button", { name: "Update payment method" }).click();
  await fillCard(page, "5555 5555 5555 4444");
  await page.getByRole("button", { name: "Add" }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expect(page.getByTestId("card")).toContainText("Mastercard ending in 4444");
});

test("invoices are listed with amounts in their currency and links", async () => {
  const rows = page.getByRole("table", { name: "Invoices" }).getByRole("row");
  // Header, the first invoice and the upgrade's proration invoice.
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(2)).toContainText("$12.00");
  await expect(rows.nth(2)).toContainText("paid");
  await expect(rows.nth(1).getByRole("link", { name: "PDF" })).toHaveAttribute("href", /^http/);
  await readmeScreenshot(page, "5-team-plan-invoices");
});

test("a downgrade waits for the period end, and the page says so; it can be undone", async () => {
  await switchPlan(page, "Switch to Pro monthly", /Your plan changes on \w+ \d+, \d{4}/);
  // Still Team until then, with the change in words.
  await expect(currentPlan().getByRole("heading", { name: "Team" })).toBeVisible();
  await expect(page.getByTestId("pending-change")).toContainText(
    /^Changes to Pro \(monthly\) on \w+ \d+, \d{4}\./,
  );
  await expect(page.getByTestId("plan-team")).toContainText("Current plan");
  // The plan it changes to is not offered again as a switch: the card says when it starts.
  const pro = page.getByTestId("plan-pro");
  await expect(pro.getByRole("button", { name: "Switch to Pro monthly" })).toHaveCount(0);
  await expect(pro).toContainText(/Starts on \w+ \d+, \d{4}/);
  await readmeScreenshot(page, "8-pending-change");

  await page.getByRole("button", { name: "Keep my current plan" }).click();
  await page.getByRole("button", { name: /Cancel scheduled (change|update)/ }).click();
  await page
    .getByRole("link", { name: /Return to/ })
    .first()
    .click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expect(currentPlan().getByRole("heading", { name: "Team" })).toBeVisible();
  await expect(page.getByTestId("pending-change")).toHaveCount(0);
  await expect(pro.getByRole("button", { name: "Switch to Pro monthly" })).toBeVisible();
});

test("a scheduled downgrade applies when the period ends", async () => {
  await switchPlan(page, "Switch to Pro monthly", /Your plan changes on/);
  await expect(page.getByTestId("pending-change")).toBeVisible();
  await advanceStripeClock(32);
  await expectBillingPage(page, async (soon) => {
    await soon(currentPlan().getByRole("heading", { name: "Pro" })).toBeVisible();
    await soon(page.getByTestId("pending-change")).toHaveCount(0);
  });
  await expect(page.getByTestId("subscription-price")).toHaveText("$12.00 / month");
});

test("a declined renewal shows the past-due banner, and its deep link fixes it", async () => {
  // A card that attaches but declines every charge, then the renewal date passes.
  const cardBefore = await subscriptionCard();
  await page.getByRole("button", { name: "Update payment method" }).click();
  await fillCard(page, "4000 0000 0000 0341");
  await page.getByRole("button", { name: "Add" }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  // Stripe's portal sets only the customer's default; the app's drain moves the subscription
  // (Checkout gave it a card of its own) to it, from the webhooks, before the renewal comes.
  await expect.poll(subscriptionCard, { timeout: 20_000 }).not.toBe(cardBefore);
  await advanceStripeClock(32);

  await expectBillingPage(page, async (soon) => {
    await soon(page.getByTestId("past-due-banner")).toContainText(
      /Update your payment method before \w+ \d+, \d{4} to keep Pro/,
    );
  });
  await expect(page.getByTestId("subscription-status")).toHaveText("Past due");
  await readmeScreenshot(page, "6-past-due");

  await page.getByRole("button", { name: "Fix payment method" }).click();
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Add" }).click();
  await expectBillingPage(page, async (soon) => {
    await soon(page.getByTestId("past-due-banner")).toHaveCount(0);
    await soon(page.getByTestId("subscription-status")).toHaveText("Active");
  });
});
