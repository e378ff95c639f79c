import { expect, test } from "@playwright/test";
import { signIn, uniqueEmail } from "./support/sign-in";

// Runs last (its own Playwright project): it stops the emulator for good.
test("a Stripe outage shows a friendly error, not a crash", async ({ page }) => {
  await signIn(page, uniqueEmail("outage"));
  const pid = Number(process.env.E2E_STRIPE_EMULATOR_PID);
  expect(pid).toBeGreaterThan(0);
  process.kill(pid, "SIGTERM");

  await page.goto("/settings/billing");
  const response = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    page.getByRole("button", { name: "Manage billing" }).click(),
  ]);
  expect(response[0].status()).toBeLessThan(500);
  await expect(
    page.getByRole("alert").filter({ hasText: "couldn't reach our payment provider" }),
  ).toBeVisible();
  await expect(page.getByRole("heading", { name: "Billing", exact: true })).toBeVisible();
  await expect(page.getByText(/Error:|at .*\.js/)).toHaveCount(0);
});
