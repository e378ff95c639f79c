import { expect, test, type Page } from "@playwright/test";
import { advanceStripeClock, expectBillingPage, fillCard } from "./support/billing";
import { signIn, uniqueEmail } from "./support/sign-in";

// One customer's whole life, in order: each step builds on the previous one.
test.describe.configure({ mode: "serial" });

let page: Page;
const email = uniqueEmail("billing");
const shots = "docs/screenshots";

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await signIn(page, email);
});
test.afterAll(async () => page.close());

const currentPlan = () => page.getByTestId("current-plan");

test("a new user is on Free, sees the plans, and the paid feature is locked", async () => {
  await page.goto("/settings/billing");
  await expect(currentPlan().getByRole("heading", { name: "Free" })).toBeVisible();
  await expect(page.getByText("Test mode", { exact: true })).toBeVisible();
  await expect(page.getByText("Local Stripe emulator", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Subscribe to Pro monthly" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel subscription" })).toHaveCount(0);
  await page.screenshot({ path: `${shots}/1-free-plan.png`, fullPage: true });

  await page.goto("/settings/api-keys");
  await expect(page.getByTestId("upgrade-prompt")).toContainText("You are on the Free plan");
  await expect(page.getByRole("button", { name: "Create key" })).toHaveCount(0);
});

test("subscribe through Checkout: the page shows the plan and when it renews", async () => {
  await page.goto("/settings/billing");
  await page.getByRole("button", { name: "Subscribe to Pro monthly" }).click();
  await expect(page.getByRole("heading", { name: "Subscribe" })).toBeVisible();
  await page.screenshot({ path: `${shots}/2-checkout.png`, fullPage: true });
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Subscribe" }).click();

  // Back on the billing page, synced on return (before any webhook).
  await expect(page).toHaveURL(/\/settings\/billing\?checkout=cs_/);
  await expect(page.getByRole("status")).toContainText("Your subscription is active");
  await expect(currentPlan().getByRole("heading", { name: "Pro" })).toBeVisible();
  await expect(page.getByTestId("subscription-status")).toHaveText("Active");
  await expect(page.getByTestId("subscription-next")).toContainText(/^Renews on \w+ \d+, \d{4}$/);
  await expect(currentPlan()).toContainText("$12.00 / month");
  await expect(page.getByTestId("card")).toContainText("visa ending in 4242");
  await expect(page.getByRole("table", { name: "Invoices" }).getByRole("row")).toHaveCount(2);
  await page.screenshot({ path: `${shots}/3-subscribed.png`, fullPage: true });
});

test("the paid feature opens: an API key works against the API", async ({ request }) => {
  await page.goto("/settings/api-keys");
  await page.getByLabel("Key name").fill("e2e");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = await page.getByTestId("new-api-key").textContent();
  expect(key).toMatch(/^bdr_/);
  const response = await request.get("/api/v1/me", { headers: { authorization: `Bearer ${key}` } });
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ email, plan: "Pro" });
});

test("cancel at period end in the portal, come back, and see when it ends", async () => {
  await page.goto("/settings/billing");
  await page.getByRole("button", { name: "Manage billing" }).click();
  await expect(page.getByRole("heading", { name: /Current subscription/ })).toBeVisible();
  await page.screenshot({ path: `${shots}/4-portal.png`, fullPage: true });
  await page.getByRole("link", { name: "Cancel subscription" }).click();
  await page.getByLabel("Too expensive").check();
  await page.getByRole("button", { name: "Cancel subscription" }).click();
  await page
    .getByRole("link", { name: /Return to/ })
    .first()
    .click();

  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expectBillingPage(page, async (soon) => {
    await soon(page.getByTestId("subscription-next")).toContainText(/^Cancels on \w+ \d+, \d{4}$/);
  });
  await expect(page.getByRole("button", { name: "Resume subscription" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel subscription" })).toHaveCount(0);
});

test("resume the scheduled cancellation through the portal", async () => {
  await page.getByRole("button", { name: "Resume subscription" }).click();
  await page.getByRole("button", { name: "Renew subscription" }).click();
  await page
    .getByRole("link", { name: /Return to/ })
    .first()
    .click();
  await expectBillingPage(page, async (soon) => {
    await soon(page.getByTestId("subscription-next")).toContainText(/^Renews on /);
  });
});

test("switch plan through the deep link: the portal shows only the confirmation", async () => {
  await page.getByRole("button", { name: "Switch to Team monthly" }).click();
  await expect(page.getByRole("heading", { name: "Confirm your new plan" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Invoice history" })).toHaveCount(0);
  await page.getByRole("button", { name: "Confirm" }).click();
  // after_completion redirects straight back to the billing page.
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expectBillingPage(page, async (soon) => {
    await soon(currentPlan().getByRole("heading", { name: "Team" })).toBeVisible();
  });
  await expect(page.getByTestId("plan-team")).toContainText("Current plan");
});

test("update the card through the deep link", async () => {
  await page.getByRole("button", { name: "Update payment method" }).click();
  await fillCard(page, "5555 5555 5555 4444");
  await page.getByRole("button", { name: "Add" }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expectBillingPage(page, async (soon) => {
    await soon(page.getByTestId("card")).toContainText("mastercard ending in 4444");
  });
});

test("invoices are listed with amounts in their currency and links", async () => {
  const rows = page.getByRole("table", { name: "Invoices" }).getByRole("row");
  // Header, the first invoice and the upgrade's proration invoice.
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(2)).toContainText("$12.00");
  await expect(rows.nth(2)).toContainText("paid");
  await expect(rows.nth(1).getByRole("link", { name: "PDF" })).toHaveAttribute("href", /^http/);
  await page.screenshot({ path: `${shots}/5-team-plan-invoices.png`, fullPage: true });
});

test("a declined renewal shows the past-due banner, and its deep link fixes it", async () => {
  // A card that attaches but declines every charge, then the renewal date passes.
  await page.getByRole("button", { name: "Update payment method" }).click();
  await fillCard(page, "4000 0000 0000 0341");
  await page.getByRole("button", { name: "Add" }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await advanceStripeClock(32);

  await expectBillingPage(page, async (soon) => {
    await soon(page.getByTestId("past-due-banner")).toBeVisible();
  });
  await expect(page.getByTestId("subscription-status")).toHaveText("Past due");
  await page.screenshot({ path: `${shots}/6-past-due.png`, fullPage: true });

  await page.getByRole("button", { name: "Fix payment method" }).click();
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Add" }).click();
  await expectBillingPage(page, async (soon) => {
    await soon(page.getByTestId("past-due-banner")).toHaveCount(0);
    await soon(page.getByTestId("subscription-status")).toHaveText("Active");
  });
});
