import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

// axe-core's WCAG 2.x A and AA rules, colour contrast included.
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** Runs axe on the page as it is now (or after opening `path`) and expects no violation. */
export async function expectNoAxeViolations(page: Page, path?: string): Promise<void> {
  if (path) await page.goto(path);
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const found = results.violations.map((v) => ({
    rule: v.id,
    impact: v.impact,
    nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary ?? ""}`),
  }));
  expect(found, path ?? page.url()).toEqual([]);
}
