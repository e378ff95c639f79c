import { expect, test } from "@playwright/test";
import { emulatorControl } from "../tools/stripe-emulator/control/client";
import { emulatorUrl, fillCard } from "./support/billing";
import { signIn, uniqueEmail } from "./support/sign-in";

test("an open, unpaid Checkout never claims success, and can be continued", async ({ page }) => {
  await signIn(page, uniqueEmail("opencheckout"));
  await page.getByRole("button", { name: "Subscribe to Pro monthly" }).click();
  await expect(page.getByRole("heading", { name: "Subscribe" })).toBeVisible();
  const sessionId = new URL(page.url()).pathname.split("/").at(-1);
  expect(sessionId).toMatch(/^cs_/);

  // The success URL visited by hand while the session is still open and unpaid.
  await page.goto(`/api/billing/return?from=checkout&session_id=${sessionId}`);
  await expect(page).toHaveURL(/\/settings\/billing$/);
  const notice = page.getByTestId("billing-notice");
  await expect(notice).toContainText("Checkout isn't finished yet");
  await expect(notice).not.toContainText("Thank you");
  await expect(
    page.getByTestId("current-plan").getByRole("heading", { name: "Free" }),
  ).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("billing-notice")).toHaveCount(0);

  // "Continue checkout" opens the same session again (found in Stripe, not from the URL).
  await page.goto(`/api/billing/return?from=checkout&session_id=${sessionId}`);
  await page.getByRole("button", { name: "Continue checkout" }).click();
  await expect(page).toHaveURL(new RegExp(`/c/pay/${sessionId}$`));
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByTestId("billing-notice")).toContainText("Your subscription is active");
});

test("a canceled Checkout says nothing was charged, once", async ({ page }) => {
  await signIn(page, uniqueEmail("cancelcheckout"));
  await page.goto("/api/billing/return?from=checkout_canceled");
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expect(page.getByTestId("billing-notice")).toContainText("You have not been charged");
  await page.reload();
  await expect(page.getByTestId("billing-notice")).toHaveCount(0);
});

test("a billing button shows that it is working while the session is created", async ({ page }) => {
  await signIn(page, uniqueEmail("pending"));
  const control = emulatorControl(emulatorUrl());
  await control.setApiFaults({ delayMs: 1_500 });
  try {
    const button = page.getByRole("button", { name: "Manage billing" });
    await button.click();
    const pending = page.getByRole("button", { name: "Opening…" });
    await expect(pending).toBeVisible();
    await expect(pending).toBeDisabled();
    await expect(
      page.getByRole("heading", { name: /Billing information|Current subscription/ }).first(),
    ).toBeVisible({ timeout: 20_000 });
  } finally {
    await control.clearApiFaults();
  }
});
