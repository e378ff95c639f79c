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

// A second customer (the first one's journey uses up the per-minute session limit): a longer
// interval, the end of a subscription, and coming back.
test.describe.configure({ mode: "serial" });

let page: Page;
const email = uniqueEmail("ending");

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await signIn(page, email);
  await page.getByRole("button", { name: "Subscribe to Pro monthly" }).click();
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByTestId("subscription-price")).toHaveText("$12.00 / month");
});
test.afterAll(async () => page.close());

const currentPlan = () => page.getByTestId("current-plan");

test("monthly to yearly of the same plan applies now (a longer interval is no downgrade)", async () => {
  await switchPlan(page, "Switch to Pro yearly", /Your plan changes immediately/);
  await expect(page.getByTestId("subscription-price")).toHaveText("$120.00 / year");
  await expect(page.getByTestId("pending-change")).toHaveCount(0);
  await expect(page.getByTestId("plan-pro")).toContainText("Current plan");
});

test("an ended subscription is history: the plan is Free, everywhere", async () => {
  await cancelThroughDeepLink(page);
  await expect(page.getByTestId("subscription-next")).toContainText(/^Cancels on /);
  await advanceStripeClock(370);
  await expectBillingPage(page, async (soon) => {
    await soon(currentPlan().getByRole("heading", { name: "Free" })).toBeVisible();
  });
  await expect(page.getByTestId("past-subscription")).toContainText(
    /^Your Pro \(yearly\) subscription ended on \w+ \d+, \d{4}\./,
  );
  await expect(page.getByTestId("subscription-status")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Subscribe to Pro monthly" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel subscription" })).toHaveCount(0);
  await readmeScreenshot(page, "9-ended-free");
  await page.goto("/settings/api-keys");
  await expect(page.getByTestId("upgrade-prompt")).toContainText("You are on the Free plan");
});

test("subscribing again makes exactly one live subscription", async () => {
  await page.goto("/settings/billing");
  await page.getByRole("button", { name: "Subscribe to Team monthly" }).click();
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByTestId("billing-notice")).toContainText("Your subscription is active");
  await expect(currentPlan().getByRole("heading", { name: "Team" })).toBeVisible();
  await expect(page.getByTestId("several-subscriptions")).toHaveCount(0);
  expect(await liveSubscriptionsOf(email)).toHaveLength(1);
});
