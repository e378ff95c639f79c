import { expect, type Page } from "@playwright/test";
import { emulatorControl } from "../../tools/stripe-emulator/control";

/** Reloads the billing page until `check` passes: webhooks arrive asynchronously, as in Stripe. */
export async function expectBillingPage(page: Page, check: () => Promise<void>): Promise<void> {
  await expect(async () => {
    await page.goto("/settings/billing");
    await check();
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
