import { expect, type Page } from "@playwright/test";
import { latestSignInLink } from "./outbox";

export function uniqueEmail(label: string): string {
  return `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/**
 * Opens the newest emailed sign-in link and presses its button, as a person does: the link only
 * shows a confirmation page (a link scanner's GET uses nothing up), the button signs in.
 */
export async function openSignInLink(page: Page, email: string, since?: Date): Promise<void> {
  await page.goto(await latestSignInLink(email, { since }));
  await expect(page.getByRole("heading", { name: `Sign in as ${email}` })).toBeVisible();
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Signs in through the real magic-link flow: form, outbox email, link, confirmation button. */
export async function signIn(page: Page, email: string, callbackUrl = "/settings/billing") {
  await page.goto(`/sign-in?callbackUrl=${encodeURIComponent(callbackUrl)}`);
  await page.getByLabel("Email").fill(email);
  const asked = new Date(Date.now() - 1_000);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await openSignInLink(page, email, asked);
}
