import { expect, test } from "@playwright/test";
import { latestSignInLink } from "./support/outbox";
import { signIn, uniqueEmail } from "./support/sign-in";

test("an anonymous visit to /settings/billing lands on sign-in and comes back after it", async ({
  page,
}) => {
  await page.goto("/settings/billing");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fsettings%2Fbilling$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

  const email = uniqueEmail("anon");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();

  await page.goto(await latestSignInLink(email));
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expect(page.getByRole("heading", { name: "Billing" })).toBeVisible();
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);
  await expect(
    page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Billing" }),
  ).toBeVisible();
});

test("a sign-in link works once", async ({ page, browser }) => {
  const email = uniqueEmail("once");
  await signIn(page, email);
  await expect(page.getByRole("heading", { name: "Billing" })).toBeVisible();

  const link = await latestSignInLink(email);
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto(link);
  await expect(otherPage).toHaveURL(/\/sign-in\?error=Verification/);
  await expect(
    otherPage.getByRole("alert").filter({ hasText: "expired or was already used" }),
  ).toBeVisible();
  await other.close();
});

test("callbackUrl pointing to another site does not leave the site", async ({ page, baseURL }) => {
  const email = uniqueEmail("evil");
  await signIn(page, email, "https://evil.example/steal");
  expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
  await expect(page).toHaveURL(/\/settings\/billing$/);

  // Once signed in, the sign-in page itself must not bounce to the foreign URL either.
  await page.goto("/sign-in?callbackUrl=https%3A%2F%2Fevil.example");
  expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
  await page.goto("/sign-in?callbackUrl=%2F%2Fevil.example");
  expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
});

test("sign out ends the session", async ({ page }) => {
  await signIn(page, uniqueEmail("signout"));
  await expect(page.getByRole("heading", { name: "Billing" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fsettings$/);
});

test("an invalid email is refused with a clear message", async ({ page }) => {
  await page.goto("/sign-in");
  // Passes the browser's own type=email check (no top-level domain), so the server decides.
  await page.getByLabel("Email").fill("someone@example");
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(
    page.getByRole("alert").filter({ hasText: "Enter a valid email address." }),
  ).toBeVisible();
});

test("the development outbox is a 404 in production builds", async ({ page }) => {
  const response = await page.goto("/dev/outbox");
  expect(response?.status()).toBe(404);
});
