import type { Page } from "@playwright/test";

/**
 * The README's screenshots, taken only when asked (`npm run screenshots`): an ordinary test run
 * must not rewrite files in the repository.
 */
export async function readmeScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== "1") return;
  await page.screenshot({ path: `docs/screenshots/${name}.png`, fullPage: true });
}
