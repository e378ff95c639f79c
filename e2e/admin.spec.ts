import { expect, test, type Browser, type Page } from "@playwright/test";
import pg from "pg";
import { emulatorControl } from "../tools/stripe-emulator/control/client";
import { expectNoAxeViolations } from "./support/axe";
import { readmeScreenshot } from "./support/screenshots";
import { emulatorStripe, emulatorUrl, fillCard } from "./support/billing";
import { signIn, uniqueEmail } from "./support/sign-in";

// The billing console (/admin/billing): only ADMIN_EMAILS (scripts/e2e.ts sets admin@example.com)
// sees it; everyone else gets a 404, forged action POSTs included. One story, in order.
test.describe.configure({ mode: "serial" });

const ADMIN = "admin@example.com";
const customerEmail = uniqueEmail("admin-console-customer");
let customerPage: Page;
let adminPage: Page;
let customerId = "";
let subscriptionId = "";

async function auditRows(target: string): Promise<number> {
  const client = new pg.Client(process.env.DATABASE_URL);
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM "AdminAuditLog" WHERE "target" = $1',
      [target],
    );
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

/** Axe on the page as it is, in both colour schemes (after their colour transitions). */
async function expectAccessible(page: Page): Promise<void> {
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.waitForTimeout(300);
    await expectNoAxeViolations(page);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

async function newPage(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

test.beforeAll(async ({ browser }) => {
  customerPage = await newPage(browser);
  adminPage = await newPage(browser);
});
test.afterAll(async () => {
  await emulatorControl(emulatorUrl()).clearFaults();
  await customerPage.context().close();
  await adminPage.context().close();
});

test("a customer subscribes (the console's subject)", async () => {
  await signIn(customerPage, customerEmail);
  await customerPage.getByRole("button", { name: "Subscribe to Pro monthly" }).click();
  await fillCard(customerPage, "4242 4242 4242 4242");
  await customerPage.getByRole("button", { name: "Subscribe" }).click();
  await expect(customerPage).toHaveURL(/\/settings\/billing$/);
  await expect(customerPage.getByTestId("subscription-status")).toHaveText("Active");
  const [customer] = (await emulatorStripe().customers.list({ email: customerEmail, limit: 1 }))
    .data;
  customerId = customer?.id ?? "";
  const subs = await emulatorStripe().subscriptions.list({ customer: customerId });
  subscriptionId = subs.data[0]?.id ?? "";
  expect(customerId).toMatch(/^cus_/);
  expect(subscriptionId).toMatch(/^sub_/);
});

test("anonymous visitors and non-admins get a 404 for the console and a customer's page", async ({
  page,
}) => {
  for (const path of [
    "/admin/billing",
    "/admin/billing?filter=failed",
    `/admin/billing/customers/${customerId}`,
  ]) {
    const anonymous = await page.goto(path);
    expect(anonymous?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    // No redirect to sign-in: the console's existence is not revealed.
    expect(new URL(page.url()).pathname).toBe(path.split("?")[0]);

    const signedIn = await customerPage.goto(path);
    expect(signedIn?.status(), path).toBe(404);
    await expect(customerPage.getByRole("heading", { name: "Page not found" })).toBeVisible();
  }
});

test("the admin sees the events, the queue, the charts and the audit log; axe passes", async () => {
  await signIn(adminPage, ADMIN, "/admin/billing");
  await expect(adminPage).toHaveURL(/\/admin\/billing$/);
  await expect(adminPage.getByRole("heading", { name: "Billing console" })).toBeVisible();
  const events = adminPage.getByRole("table", { name: "Webhook events" });
  await expect(events.getByRole("link", { name: customerId }).first()).toBeVisible();
  await expect(events).toContainText("customer.subscription.created");
  await expect(adminPage.getByRole("img", { name: /^Events received, per hour/ })).toBeVisible();
  await expect(
    adminPage.getByRole("img", { name: /^Median sync latency, per hour/ }),
  ).toBeVisible();

  await adminPage.getByRole("link", { name: "Pending", exact: true }).click();
  await expect(adminPage).toHaveURL(/\?filter=pending$/);
  await expect(adminPage.getByRole("link", { name: "Pending", exact: true })).toHaveAttribute(
    "aria-current",
    "page",
  );
  await adminPage.getByRole("link", { name: "Failed", exact: true }).click();
  await expect(adminPage).toHaveURL(/\?filter=failed$/);

  await adminPage.goto("/admin/billing");
  await expectAccessible(adminPage);
  await readmeScreenshot(adminPage, "13-billing-console");
});

test("a change made behind the app's back shows on the customer's page; Resync now fixes it", async () => {
  // Stripe changes the subscription, and its webhooks never arrive.
  const control = emulatorControl(emulatorUrl());
  await control.setFaults({ dropFirstAttempts: 1_000 });
  await emulatorStripe().subscriptions.update(subscriptionId, { cancel_at_period_end: true });
  await control.flush();

  await adminPage.goto(`/admin/billing/customers/${customerId}`);
  await expect(adminPage.getByRole("heading", { name: `Customer ${customerId}` })).toBeVisible();
  // Cancel at period end, and the cancellation date it sets.
  await expect(adminPage.getByTestId("comparison-summary")).toContainText(
    /^2 differences between our records and Stripe/,
  );
  const row = adminPage
    .getByRole("table", { name: `Subscription ${subscriptionId}: ours and Stripe's` })
    .getByRole("row", { name: /Cancel at period end/ });
  await expect(row).toHaveAttribute("data-differs", "true");
  await expect(row).toContainText("differs");
  await expectAccessible(adminPage);
  await readmeScreenshot(adminPage, "14-console-customer");

  // A forged POST of the action, by a signed-in non-admin with the real action id: a 404, and
  // nothing is recorded or synced.
  const actionField = await adminPage
    .locator('form input[type="hidden"][name^="$ACTION_ID_"]')
    .getAttribute("name");
  expect(actionField).toBeTruthy();
  const forged = await customerPage.request.post(`/admin/billing/customers/${customerId}`, {
    multipart: { [actionField ?? ""]: "", customerId },
    // Same-origin, as the form itself posts: the 404 is requireAdmin's, not Next's origin check.
    headers: { origin: new URL(adminPage.url()).origin },
    maxRedirects: 0,
  });
  expect(forged.status()).toBe(404);
  expect(await auditRows(customerId)).toBe(0);
  await adminPage.reload();
  await expect(adminPage.getByTestId("comparison-summary")).toContainText(/^2 differences/);

  await adminPage.getByRole("button", { name: "Resync now" }).click();
  await expect(adminPage).toHaveURL(
    new RegExp(`/admin/billing/customers/${customerId}\\?resync=synced$`),
  );
  await expect(adminPage.getByTestId("resync-notice")).toContainText("Resynced from Stripe");
  await expect(adminPage.getByTestId("comparison-summary")).toHaveText("Our records match Stripe");
  await expect(row).toHaveAttribute("data-differs", "false");
  expect(await auditRows(customerId)).toBe(1);

  // The customer's own page shows the change too.
  await customerPage.goto("/settings/billing");
  await expect(customerPage.getByTestId("subscription-next")).toContainText(/^Cancels on /);
});

test("the audit log shows the action", async () => {
  await adminPage.goto("/admin/billing");
  const audit = adminPage.getByRole("table", { name: "Audit log" });
  const entry = audit.getByRole("row").filter({ hasText: customerId });
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText(ADMIN);
  await expect(entry).toContainText("billing.resync");
  await expect(entry).toContainText("sync requested");
});
