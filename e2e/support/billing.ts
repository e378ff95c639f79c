import { expect, type Page } from "@playwright/test";
import Stripe from "stripe";
import { LOCAL_STRIPE_KEY } from "../../scripts/lib/local-stripe";
import { emulatorControl } from "../../tools/stripe-emulator/control/client";

/** An `expect` that gives up on a rendered page quickly, so the caller reloads instead. */
const soon = expect.configure({ timeout: 1_000 });

/**
 * Reloads the billing page until `check` passes: webhooks arrive, and are synced, asynchronously,
 * as in Stripe. `check` asserts with the `soon` it is given: a page rendered before the sync never
 * changes by itself, so waiting the default 10 s on it would only delay the next reload.
 */
export async function expectBillingPage(
  page: Page,
  check: (soon: typeof expect) => Promise<void>,
): Promise<void> {
  await expect(async () => {
    await page.goto("/settings/billing");
    await check(soon);
  }).toPass({ timeout: 20_000, intervals: [250, 500, 1_000] });
}

/** Fills the emulator's hosted card form (Checkout or the portal's "Add payment method"). */
export async function fillCard(page: Page, number: string): Promise<void> {
  await page.getByLabel("Card number").fill(number);
}

export function emulatorUrl(): string {
  const url = process.env.STRIPE_API_BASE;
  if (!url)
    throw new Error("STRIPE_API_BASE is not set: run end-to-end tests with npm run test:e2e");
  return url;
}

/** Moves the emulator's clock (renewals, failed payments, retries) and waits for deliveries. */
export async function advanceStripeClock(days: number): Promise<void> {
  const control = emulatorControl(emulatorUrl());
  await control.advanceClock({ days });
  await control.flush();
}

/** The real SDK, talking to the run's emulator (as the Dashboard or a script would). */
export function emulatorStripe(): Stripe {
  const url = new URL(emulatorUrl());
  return new Stripe(LOCAL_STRIPE_KEY, {
    host: url.hostname,
    port: Number(url.port),
    protocol: "http",
  });
}

/** The live subscriptions Stripe (the emulator) has for the customer with this billing email. */
export async function liveSubscriptionsOf(email: string): Promise<Stripe.Subscription[]> {
  const stripe = emulatorStripe();
  const customers = await stripe.customers.list({ email, limit: 10 });
  const live: Stripe.Subscription[] = [];
  for (const customer of customers.data) {
    const subs = await stripe.subscriptions.list({ customer: customer.id, status: "all" });
    live.push(
      ...subs.data.filter((s) => s.status !== "canceled" && s.status !== "incomplete_expired"),
    );
  }
  return live;
}

/** Confirms a plan switch offered on the billing page; `when` is what the portal promises. */
export async function switchPlan(page: Page, button: string, when: RegExp): Promise<void> {
  await page.getByRole("button", { name: button }).click();
  await expect(page.getByRole("heading", { name: "Confirm your new plan" })).toBeVisible();
  await expect(page.getByText(when)).toBeVisible();
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
}

/** Cancels at period end through the billing page's "Cancel subscription" deep link. */
export async function cancelThroughDeepLink(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Cancel subscription" }).click();
  await page.getByLabel("Too expensive").check();
  await page.getByRole("button", { name: "Cancel subscription" }).click();
  await expect(page).toHaveURL(/\/settings\/billing$/);
}
