import { expect, test } from "@playwright/test";
import { expectBillingPage, fillCard } from "../support/billing";
import { signIn, uniqueEmail } from "../support/sign-in";

// A production build, migrated through the direct URL at build time, serving through PgBouncer
// in transaction mode with production variables only (scripts/deploy-rehearsal.ts).
test("a production deployment behind a pooler: sign in, subscribe, and the billing page shows it", async ({
  page,
}) => {
  await signIn(page, uniqueEmail("deploy"));
  await expect(page).toHaveURL(/\/settings\/billing$/);
  const currentPlan = page.getByTestId("current-plan");
  await expect(currentPlan.getByRole("heading", { name: "Free" })).toBeVisible();

  await page.getByRole("button", { name: "Subscribe to Pro monthly" }).click();
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expectBillingPage(page, async (soon) => {
    await soon(currentPlan.getByRole("heading", { name: "Pro" })).toBeVisible();
    await soon(page.getByTestId("subscription-status")).toHaveText("Active");
  });
});
