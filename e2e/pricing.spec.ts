import { expect, test, type Page } from "@playwright/test";
import {
  expectBillingPage,
  fillCard,
  liveSubscriptionsOf,
  emulatorStripe,
} from "./support/billing";
import { openSignInLink, signIn, uniqueEmail } from "./support/sign-in";
import { readmeScreenshot } from "./support/screenshots";
import { expectNoAxeViolations } from "./support/axe";

const currentPlan = (page: Page) => page.getByTestId("current-plan");
const price = (page: Page) => page.getByTestId("subscription-price");

test("an anonymous visitor picks Pro yearly, signs in by magic link and subscribes to it", async ({
  page,
}) => {
  const email = uniqueEmail("pricing");
  await page.goto("/");
  await page.getByRole("link", { name: "See pricing" }).click();
  await expect(page).toHaveURL(/\/pricing$/);
  await page.getByRole("link", { name: "Yearly" }).click();
  await expect(page).toHaveURL(/\/pricing\?interval=year$/);
  const pro = page.getByTestId("pricing-pro");
  await expect(pro.getByTestId("pricing-amount")).toHaveText("$120.00 / year");
  await expect(pro).toContainText("API access (/api/v1)");
  await expect(pro).toContainText("Up to 5 API keys");
  await readmeScreenshot(page, "0-pricing");
  await pro.getByRole("button", { name: "Subscribe to Pro yearly" }).click();

  // Sign-in keeps the choice through the emailed link.
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=/);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await openSignInLink(page, email);
  await expect(page.getByRole("heading", { name: "Subscribe to Pro (yearly)" })).toBeVisible();
  await expect(page.getByTestId("subscribe-amount")).toHaveText("$120.00 / year");
  await page.getByRole("button", { name: "Continue to Checkout" }).click();

  await expect(page.getByRole("heading", { name: "Subscribe", exact: true })).toBeVisible();
  await expect(page.getByText("$120.00").first()).toBeVisible();
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Subscribe", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expect(currentPlan(page).getByRole("heading", { name: "Pro" })).toBeVisible();
  await expect(price(page)).toHaveText("$120.00 / year");
  await expectNoAxeViolations(page);

  // A subscriber sees the plan as current on /pricing, and switches through the portal only.
  await page.goto("/pricing?interval=year");
  await expect(page.getByTestId("pricing-pro")).toContainText("Current plan");
  await expect(
    page.getByTestId("pricing-team").getByRole("button", { name: "Switch to Team yearly" }),
  ).toBeVisible();
  await expect(page.getByRole("button", { name: /^Subscribe to/ })).toHaveCount(0);
});

test("a no-card trial grants Pro and says when it ends; no second trial after cancel-and-return", async ({
  page,
}) => {
  const email = uniqueEmail("trial");
  await signIn(page, email, "/pricing");
  await expect(page).toHaveURL(/\/pricing$/);
  await page
    .getByTestId("pricing-pro")
    .getByRole("button", { name: "Start 14-day free trial, no card required" })
    .click();
  await expect(page.getByTestId("no-card")).toBeVisible();
  await page.getByRole("button", { name: "Start trial" }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expect(currentPlan(page).getByRole("heading", { name: "Pro" })).toBeVisible();
  await expect(page.getByTestId("subscription-status")).toHaveText("Trialing");
  await expect(page.getByTestId("subscription-next")).toHaveText(/^Trial ends on \w+ \d+, \d{4}$/);
  await expect(page.getByTestId("trial-notice")).toContainText("Add a payment method");
  await readmeScreenshot(page, "10-trial");
  await page.emulateMedia({ colorScheme: "dark" });
  await expectNoAxeViolations(page);
  await page.emulateMedia({ colorScheme: "light" });
  // The trial grants the plan.
  await page.goto("/settings/api-keys");
  await expect(page.getByRole("button", { name: "Create key" })).toBeVisible();

  // Canceled (as from the Dashboard) and back: Checkout again, but without a trial.
  const [subscription] = await liveSubscriptionsOf(email);
  await emulatorStripe().subscriptions.cancel(subscription!.id);
  await expectBillingPage(page, async (soon) => {
    await soon(page.getByTestId("past-subscription")).toBeVisible();
  });
  await page.goto("/pricing");
  const pro = page.getByTestId("pricing-pro");
  await expect(pro.getByRole("button", { name: "Subscribe to Pro monthly" })).toBeVisible();
  await expect(pro.getByRole("button", { name: /free trial/ })).toHaveCount(0);
  await expect(pro).not.toContainText("free trial");
  // A hand-made link asking for the trial anyway is told why there is none.
  await page.goto("/settings/billing/subscribe?price=pro_monthly&trial=1");
  await expect(page.getByText("The free trial is for your first subscription only")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Subscribe to Pro (monthly)" })).toBeVisible();
});

test("a promotion code in Checkout lowers the price the billing page shows", async ({ page }) => {
  await signIn(page, uniqueEmail("promo"));
  await page.getByRole("button", { name: "Subscribe to Pro monthly" }).click();
  await page.getByLabel("Promotion code").fill("NOSUCHCODE");
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Subscribe", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("This code is invalid.");
  await page.getByLabel("Promotion code").fill("LAUNCH20");
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Subscribe", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expect(price(page)).toHaveText("$12.00, $9.60 / month after discount");
  await expect(page.getByTestId("subscription-discount")).toHaveText(
    /^20% off \(Launch offer\) until \w+ \d+, \d{4}$/,
  );
  const rows = page.getByRole("table", { name: "Invoices" }).getByRole("row");
  await expect(rows.nth(1)).toContainText("$9.60");
});

test("a Team subscription with 3 seats shows the seat math, and 5 seats at once after the portal", async ({
  page,
}) => {
  const email = uniqueEmail("seats");
  await signIn(page, email, "/pricing");
  const team = page.getByTestId("pricing-team");
  await team.getByLabel("Seats").fill("3");
  await team.getByRole("button", { name: "Subscribe to Team monthly" }).click();
  await expect(page.getByLabel("Quantity")).toHaveValue("3");
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Subscribe", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expect(currentPlan(page).getByRole("heading", { name: "Team" })).toBeVisible();
  await expect(price(page)).toHaveText("3 seats × $29.00 = $87.00 / month");
  await page.goto("/settings/api-keys");
  await expect(page.getByTestId("api-key-limit")).toHaveText(
    "Up to 30 active keys (3 seats × 10).",
  );

  await page.goto("/settings/billing");
  await page.getByRole("button", { name: "Change plan" }).click();
  const current = page.locator(".row", { hasText: "Current plan" });
  await current.getByRole("spinbutton").fill("5");
  await current.getByRole("button").click();
  await expect(page.getByRole("heading", { name: "Confirm your new plan" })).toBeVisible();
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  // At once on return (the return route syncs), not after a webhook.
  await expect(price(page)).toHaveText("5 seats × $29.00 = $145.00 / month");
  await readmeScreenshot(page, "11-team-seats");
});

test("/pricing works with JavaScript disabled, through to sign-in with the choice kept", async ({
  browser,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/pricing");
  await page.getByRole("link", { name: "Yearly" }).click();
  await expect(page.getByTestId("pricing-team").getByTestId("pricing-amount")).toHaveText(
    "$290.00 / year per seat",
  );
  const team = page.getByTestId("pricing-team");
  await team.getByLabel("Seats").fill("4");
  await team.getByRole("button", { name: "Subscribe to Team yearly" }).click();
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=/);
  const callback = new URL(page.url()).searchParams.get("callbackUrl");
  expect(callback).toBe("/settings/billing/subscribe?price=team_yearly&seats=4");
  await context.close();
});
