/**
 * Drives the emulator's hosted Checkout and Customer Portal pages in a real browser.
 * Starts its own emulator (fresh in-memory state) and a tiny "app" page to return to.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import Stripe from "stripe";
import { startStripeEmulator, type RunningStripeEmulator } from "../tools/stripe-emulator/server";

let emu: RunningStripeEmulator;
let stripe: Stripe;
let app: Server;
let appUrl: string;
let prices: { basic: Stripe.Price; pro: Stripe.Price };
let config: Stripe.BillingPortal.Configuration;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  emu = await startStripeEmulator();
  stripe = new Stripe("sk_test_e2e", { host: "localhost", port: emu.port, protocol: "http" });
  app = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(
      `<!doctype html><title>App</title><h1>Back in the app</h1><p id="url">${req.url ?? ""}</p>`,
    );
  });
  await new Promise<void>((r) => app.listen(0, "127.0.0.1", () => r()));
  appUrl = `http://localhost:${(app.address() as AddressInfo).port}`;
  const basicProduct = await stripe.products.create({ name: "Basic" });
  const proProduct = await stripe.products.create({ name: "Pro" });
  prices = {
    basic: await stripe.prices.create({
      product: basicProduct.id,
      currency: "usd",
      unit_amount: 1000,
      recurring: { interval: "month" },
    }),
    pro: await stripe.prices.create({
      product: proProduct.id,
      currency: "usd",
      unit_amount: 3000,
      recurring: { interval: "month" },
    }),
  };
  config = await stripe.billingPortal.configurations.create({
    business_profile: { headline: "Acme" },
    features: {
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true },
      subscription_cancel: {
        enabled: true,
        mode: "at_period_end",
        cancellation_reason: { enabled: true, options: ["too_expensive", "unused"] },
      },
      subscription_update: {
        enabled: true,
        default_allowed_updates: ["price"],
        proration_behavior: "always_invoice",
        products: [
          { product: basicProduct.id, prices: [prices.basic.id] },
          { product: proProduct.id, prices: [prices.pro.id] },
        ],
      },
    },
  });
});

test.afterAll(async () => {
  await emu?.stop();
  await new Promise<void>((r) => (app ? app.close(() => r()) : r()));
});

test("checkout, then cancel, undo, switch plan and update card in the portal", async ({ page }) => {
  const customer = await stripe.customers.create({ email: "e2e@example.test", name: "E2E" });
  const checkout = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: prices.basic.id, quantity: 1 }],
    success_url: `${appUrl}/billing?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${appUrl}/pricing`,
  });

  // Checkout: a declined card first, then a good one.
  await page.goto(checkout.url!);
  await expect(page.getByText("Local Stripe emulator")).toBeVisible();
  await page.getByLabel("Card number").fill("4000 0000 0000 0002");
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByRole("alert")).toContainText("Your card was declined.");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByRole("heading", { name: "Back in the app" })).toBeVisible();
  expect(page.url()).toBe(`${appUrl}/billing?session_id=${checkout.id}`);

  const done = await stripe.checkout.sessions.retrieve(checkout.id, { expand: ["subscription"] });
  const sub = done.subscription as Stripe.Subscription;
  expect(sub.status).toBe("active");

  // Portal home.
  const portal = await stripe.billingPortal.sessions.create({
    customer: customer.id,
    return_url: `${appUrl}/settings/billing`,
    configuration: config.id,
  });
  await page.goto(portal.url);
  await expect(page.getByText("Basic", { exact: true })).toBeVisible();
  await expect(page.getByText(/Renews on/)).toBeVisible();

  // Cancel at period end with a reason, then undo.
  await page.getByRole("link", { name: "Cancel subscription" }).click();
  await page.getByLabel("It's too expensive").check();
  await page.getByRole("button", { name: "Cancel subscription" }).click();
  await expect(page.getByText(/Cancels on/)).toBeVisible();
  expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(true);
  await page.getByRole("button", { name: "Renew subscription" }).click();
  await expect(page.getByText(/Renews on/)).toBeVisible();
  expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at).toBeNull();

  // Switch plan to Pro.
  await page.getByRole("link", { name: "Update plan" }).click();
  await page.getByRole("button", { name: /Select Pro/ }).click();
  await expect(page.getByText("Amount due today (prorated)")).toBeVisible();
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByText("Pro", { exact: true })).toBeVisible();
  const switched = await stripe.subscriptions.retrieve(sub.id);
  expect(switched.items.data[0]?.price.id).toBe(prices.pro.id);

  // Update card: a new Mastercard becomes the default.
  await page.getByRole("link", { name: "Add payment method" }).click();
  await page.getByLabel("Card number").fill("5555 5555 5555 4444");
  await page.getByRole("button", { name: "Add" }).click();
  await expect(page.getByText(/mastercard •••• 4444/)).toBeVisible();
  const c = await stripe.customers.retrieve(customer.id, {
    expand: ["invoice_settings.default_payment_method"],
  });
  const def = !c.deleted
    ? (c.invoice_settings.default_payment_method as Stripe.PaymentMethod)
    : null;
  expect(def?.card?.last4).toBe("4444");

  // Invoice history links to the hosted invoice page; the return link goes back to the app.
  await page.getByRole("link", { name: "View" }).first().click();
  await expect(page.getByText(/Invoice .* paid/)).toBeVisible();
  await page.goBack();
  await page.getByRole("link", { name: "Return to Acme" }).click();
  await expect(page.getByRole("heading", { name: "Back in the app" })).toBeVisible();
});
