import { expect, test } from "@playwright/test";
import { latestSignInLink } from "./support/outbox";
import { openSignInLink, signIn, uniqueEmail } from "./support/sign-in";

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

  await openSignInLink(page, email);
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

  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await openSignInLink(otherPage, email);
  await expect(otherPage).toHaveURL(/\/sign-in\?error=Verification/);
  await expect(
    otherPage.getByRole("alert").filter({ hasText: "expired or was already used" }),
  ).toBeVisible();
  await other.close();
});

test("a link scanner opening the emailed link does not use it up", async ({ page, playwright }) => {
  const email = uniqueEmail("scanner");
  await page.goto("/sign-in?callbackUrl=%2Fsettings%2Fapi-keys");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  const link = await latestSignInLink(email);
  expect(new URL(link).pathname).toBe("/sign-in/confirm");

  // Mail scanners (Microsoft Safe Links and others) fetch each link with plain HTTP, following
  // redirects and keeping cookies, sometimes more than once, sometimes with HEAD.
  const scanner = await playwright.request.newContext();
  for (let i = 0; i < 2; i++) {
    const response = await scanner.get(link);
    expect(response.status()).toBe(200);
    expect(new URL(response.url()).pathname).toBe("/sign-in/confirm");
    expect(await response.text()).toContain(`Sign in as ${email}`);
  }
  expect((await scanner.head(link)).status()).toBe(200);
  const scannerSession = await scanner.get(new URL("/api/auth/session", link).toString());
  expect(await scannerSession.json()).toBeNull();
  await scanner.dispose();

  // The person's click still works, and brings them where they were going.
  await page.goto(link);
  await expect(page.getByRole("heading", { name: `Sign in as ${email}` })).toBeVisible();
  expect(await page.locator("form").getAttribute("action")).toMatch(
    /^\/api\/auth\/callback\/email\?/,
  );
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);
});

test("the sign-in confirmation page refuses links that are not its own", async ({ page }) => {
  const token = "a".repeat(64);
  const email = "someone@example.com";
  const bad: Record<string, string>[] = [
    { callbackUrl: "https://evil.example/steal", token, email },
    { callbackUrl: "//evil.example/steal", token, email },
    { callbackUrl: "/\\evil.example", token, email },
    { callbackUrl: "javascript:alert(1)", token, email },
    { callbackUrl: "/settings/billing", email },
    { callbackUrl: "/settings/billing", token: "x<script>", email },
    { callbackUrl: "/settings/billing", token, email: "not-an-email" },
  ];
  for (const query of bad) {
    await page.goto(`/sign-in/confirm?${new URLSearchParams(query)}`);
    await expect(
      page.getByRole("alert").filter({ hasText: "This sign-in link is not valid" }),
    ).toBeVisible();
    await expect(page.getByRole("button", { name: "Sign in", exact: true })).toHaveCount(0);
    await expect(page.getByText("evil.example")).toHaveCount(0);
  }
  // Repeated parameters are refused too, not guessed at.
  await page.goto(
    `/sign-in/confirm?callbackUrl=%2F&callbackUrl=https%3A%2F%2Fevil.example&token=${token}&email=${email}`,
  );
  await expect(
    page.getByRole("alert").filter({ hasText: "This sign-in link is not valid" }),
  ).toBeVisible();
  await page.getByRole("link", { name: "Request a new link" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
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
