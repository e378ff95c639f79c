import { expect, type Page } from "@playwright/test";

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
  const base = emulatorUrl();
  const response = await fetch(`${base}/_emulator/clock/advance`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ seconds: days * 86_400 }),
  });
  expect(response.ok).toBe(true);
  await fetch(`${base}/_emulator/flush`, { method: "POST" });
}
