import { expect, test } from "@playwright/test";

test("an unknown URL gets a friendly 404 with a way home", async ({ page }) => {
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  // The site's own layout, not Next's bare default page.
  await expect(page.getByRole("link", { name: "Billing Done Right" })).toBeVisible();
  await page.getByRole("link", { name: "Go to the home page" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Billing that never drifts." })).toBeVisible();
});

test("the development outbox is the same 404 in a production build", async ({ page }) => {
  const response = await page.goto("/dev/outbox");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});
