import { expect, test } from "@playwright/test";
import Stripe from "stripe";
import { LOCAL_STRIPE_KEY } from "../scripts/lib/local-stripe";
import { emulatorControl, type RequestStats } from "../tools/stripe-emulator/control/client";
import { emulatorUrl, fillCard } from "./support/billing";
import { openSignInLink, signIn, uniqueEmail } from "./support/sign-in";

/** The Stripe (emulator) customers whose email is `email`. */
async function stripeCustomersOf(email: string): Promise<Stripe.Customer[]> {
  const url = new URL(emulatorUrl());
  const stripe = new Stripe(LOCAL_STRIPE_KEY, {
    host: url.hostname,
    port: Number(url.port),
    protocol: "http",
  });
  return (await stripe.customers.list({ email, limit: 10 })).data;
}

/** The Stripe calls that opening a portal session makes for a user without a customer. */
function portalCalls(stats: RequestStats) {
  const calls = (route: string) => stats.byRoute[route] ?? 0;
  return {
    createCustomer: calls("POST /v1/customers"),
    listConfigurations: calls("GET /v1/billing_portal/configurations"),
    createPortalSession: calls("POST /v1/billing_portal/sessions"),
  };
}

test("an anonymous POST to the portal route gets 401 JSON", async ({ request }) => {
  const response = await request.post("/api/billing/portal", { data: { flow: "manage" } });
  expect(response.status()).toBe(401);
  expect(await response.json()).toEqual({ error: "Sign in to manage billing." });
});

test("an unknown flow is a 400 with a clear message", async ({ request }) => {
  const response = await request.get("/api/billing/portal?flow=steal", { maxRedirects: 0 });
  expect(response.status()).toBe(400);
  expect((await response.json()).error).toContain('Unknown billing flow "steal"');
});

test("an email link (GET) sends anonymous users to sign-in and back into the same flow", async ({
  page,
}) => {
  await page.goto("/api/billing/portal?flow=payment_method");
  await expect(page).toHaveURL(
    /\/sign-in\?callbackUrl=%2Fapi%2Fbilling%2Fportal%3Fflow%3Dpayment_method$/,
  );
  const email = uniqueEmail("emaillink");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await openSignInLink(page, email);
  // Back through the link, which only names the action: nothing is opened before the button.
  await expect(page).toHaveURL(/\/settings\/billing\/open\?flow=payment_method$/);
  await expect(page.getByRole("heading", { name: "Update your payment method" })).toBeVisible();
  await page.getByRole("button", { name: "Continue to Stripe" }).click();
  // Into the portal's payment-method flow for this user's own customer.
  await expect(page.getByRole("heading", { name: "Card details" })).toBeVisible();
  await expect(page.getByText("Local Stripe emulator — test data only")).toBeVisible();
});

test("a cross-site GET of a portal link only shows what it would do, without calling Stripe", async ({
  browser,
}) => {
  // Without JavaScript: the confirmation page and its button are plain HTML.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const email = uniqueEmail("crosssite");
  await signIn(page, email);
  await expect(page.getByRole("heading", { name: "Billing", exact: true })).toBeVisible();

  const control = emulatorControl(emulatorUrl());
  const before = portalCalls(await control.requests());
  // Another site links (or redirects, or loops) here; the Lax session cookie comes along. More
  // often than the billing rate limit allows (10 a minute), so a GET that used it would show.
  const link = "/api/billing/portal?flow=switch&price=team_yearly";
  for (let i = 0; i < 12; i++) {
    const response = await page.request.get(link, {
      maxRedirects: 0,
      headers: { referer: "https://evil.example/", "sec-fetch-site": "cross-site" },
    });
    expect(response.status()).toBe(303);
    const location = new URL(response.headers().location ?? "", response.url());
    expect(location.pathname + location.search).toBe(
      "/settings/billing/open?flow=switch&price=team_yearly",
    );
  }
  await page.goto(link, { referer: "https://evil.example/" });
  await expect(page).toHaveURL(/\/settings\/billing\/open\?flow=switch&price=team_yearly$/);
  await expect(page.getByRole("heading", { name: "Switch to Team (yearly)" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Back to billing" })).toHaveAttribute(
    "href",
    "/settings/billing",
  );
  // No Stripe call, no customer.
  expect(portalCalls(await control.requests())).toEqual(before);
  expect(await stripeCustomersOf(email)).toHaveLength(0);

  // Only the button acts (and finds no subscription to switch): the limit was not used up.
  await page.getByRole("button", { name: "Continue to Stripe" }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
  await expect(
    page.getByRole("alert").filter({ hasText: "You don't have an active subscription to change." }),
  ).toBeVisible();
  expect(await stripeCustomersOf(email)).toHaveLength(1);
  expect(portalCalls(await control.requests()).createCustomer).toBe(before.createCustomer + 1);
  await context.close();
});

test("a signed-in user cannot reach another user's portal or invoices", async ({ browser }) => {
  // Alice subscribes, so she has a customer, a subscription and an invoice.
  const alice = await browser.newPage();
  const aliceEmail = uniqueEmail("alice");
  await signIn(alice, aliceEmail);
  await alice.getByRole("button", { name: "Subscribe to Pro yearly" }).click();
  await expect(alice.getByRole("heading", { name: "Subscribe" })).toBeVisible();
  const aliceCheckoutId = new URL(alice.url()).pathname.split("/").at(-1);
  expect(aliceCheckoutId).toMatch(/^cs_/);
  await fillCard(alice, "4242 4242 4242 4242");
  await alice.getByRole("button", { name: "Subscribe" }).click();
  await expect(alice.getByTestId("subscription-status")).toHaveText("Active");

  const bob = await browser.newPage();
  const bobEmail = uniqueEmail("bob");
  await signIn(bob, bobEmail);

  // Ids from the browser are ignored: the portal opens for Bob's own customer.
  const response = await bob.request.post("/api/billing/portal", {
    data: { flow: "manage", customer: "cus_someone_else" },
  });
  expect(response.status()).toBe(200);
  const { url } = (await response.json()) as { url: string };
  await bob.goto(url);
  await expect(bob.getByText(`Signed in as ${bobEmail}`)).toBeVisible();
  await expect(bob.getByText(aliceEmail)).toHaveCount(0);
  await expect(bob.getByText("No invoices yet.")).toBeVisible();

  // Alice's checkout session id in Bob's return URL is refused and syncs nothing (also through
  // the success URL of older sessions, which pointed at the page itself).
  await bob.goto(`/api/billing/return?from=checkout&session_id=${aliceCheckoutId}`);
  await expect(
    bob.getByRole("alert").filter({ hasText: "doesn't belong to your account" }),
  ).toBeVisible();
  await bob.goto(`/settings/billing?checkout=${aliceCheckoutId}`);
  await expect(
    bob.getByRole("alert").filter({ hasText: "doesn't belong to your account" }),
  ).toBeVisible();
  await expect(
    bob.getByTestId("current-plan").getByRole("heading", { name: "Free" }),
  ).toBeVisible();
  await expect(bob.getByText("No invoices yet.")).toBeVisible();

  // A cross-site form can only send text/plain or form bodies: refused.
  const formPost = await bob.request.post("/api/billing/portal", {
    headers: { "content-type": "text/plain" },
    data: '{"flow":"manage"}',
  });
  expect(formPost.status()).toBe(415);

  // Deep links check Bob's own subscription: he has none to cancel.
  const cancel = await bob.request.post("/api/billing/portal", { data: { flow: "cancel" } });
  expect(cancel.status()).toBe(409);
  await alice.close();
  await bob.close();
});

test("two Checkout tabs cannot make two subscriptions", async ({ page, context }) => {
  await signIn(page, uniqueEmail("twotabs"));
  const second = await context.newPage();
  await second.goto("/settings/billing");
  await page.getByRole("button", { name: "Subscribe to Pro monthly" }).click();
  await expect(page.getByRole("heading", { name: "Subscribe" })).toBeVisible();
  await second.getByRole("button", { name: "Subscribe to Team monthly" }).click();
  await expect(second.getByRole("heading", { name: "Subscribe" })).toBeVisible();

  // Opening the second Checkout expired the first.
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByText("This checkout session has expired.")).toBeVisible();

  await fillCard(second, "4242 4242 4242 4242");
  await second.getByRole("button", { name: "Subscribe" }).click();
  await expect(
    second.getByTestId("current-plan").getByRole("heading", { name: "Team" }),
  ).toBeVisible();
  // A third attempt goes to the portal's plan switch, not to a second Checkout.
  await second.getByRole("button", { name: "Switch to Pro monthly" }).click();
  await expect(second.getByRole("heading", { name: "Confirm your new plan" })).toBeVisible();
});

test("the billing page works with JavaScript disabled", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, uniqueEmail("nojs"));
  await expect(page.getByRole("heading", { name: "Billing", exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Subscribe to Team monthly" }).click();
  await fillCard(page, "4242 4242 4242 4242");
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(
    page.getByTestId("current-plan").getByRole("heading", { name: "Team" }),
  ).toBeVisible();
  await page.getByRole("button", { name: "Manage billing" }).click();
  await expect(page.getByRole("heading", { name: /Current subscription/ })).toBeVisible();
  await context.close();
});

test("opening the portal too often is rate-limited with a friendly message", async ({ page }) => {
  await signIn(page, uniqueEmail("ratelimit"));
  // The limit is a fixed window per minute: start well inside one, so it is not split in two.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 40_000) await page.waitForTimeout(60_000 - intoMinute + 500);
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    statuses.push(
      (await page.request.post("/api/billing/portal", { data: { flow: "manage" } })).status(),
    );
  }
  // Ten sessions a minute are allowed; the eleventh and twelfth are refused.
  expect(statuses.slice(10)).toEqual([429, 429]);
  await page.goto("/settings/billing");
  await page.getByRole("button", { name: "Manage billing" }).click();
  await expect(
    page.getByRole("alert").filter({ hasText: "Too many billing requests" }),
  ).toBeVisible();
});
