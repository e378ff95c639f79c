import { test } from "@playwright/test";
import { expectNoAxeViolations } from "./support/axe";
import { signIn, uniqueEmail } from "./support/sign-in";

// The pages every visitor and customer sees, in both colour schemes the theme follows
// (prefers-color-scheme); a subscriber's billing page is checked in e2e/pricing.spec.ts.
for (const colorScheme of ["light", "dark"] as const) {
  test(`axe finds no violations on pricing, sign-in and billing (${colorScheme})`, async ({
    browser,
  }) => {
    const context = await browser.newContext({ colorScheme });
    const page = await context.newPage();
    for (const path of ["/", "/pricing", "/pricing?interval=year", "/sign-in"]) {
      await expectNoAxeViolations(page, path);
    }
    await signIn(page, uniqueEmail(`axe-${colorScheme}`));
    for (const path of [
      "/settings/billing",
      "/pricing",
      "/settings/billing/subscribe?price=team_monthly&seats=2",
      "/settings/api-keys",
    ]) {
      await expectNoAxeViolations(page, path);
    }
    await context.close();
  });
}
