import { existsSync } from "node:fs";
import { defineConfig, devices, type LaunchOptions } from "@playwright/test";

// Debian's Chromium where it exists (Playwright cannot download its own browser on every
// machine); Playwright's bundled browser elsewhere. CHROMIUM_PATH overrides both.
const chromiumPath =
  process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);

/** Shared with e2e/deploy/playwright.config.ts (the deploy rehearsal). */
export const browserLaunchOptions: LaunchOptions = chromiumPath
  ? {
      executablePath: chromiumPath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    }
  : {};

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  // A stray test.only must fail CI, not quietly shrink the run.
  forbidOnly: Boolean(process.env.CI),
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  // The JSON report feeds the summary line of `npm test`.
  reporter: [["list"], ["json", { outputFile: ".data/test-results/e2e.json" }]],
  use: {
    // Always localhost, never 127.0.0.1: Next rewrites the latter, which breaks auth cookies.
    baseURL: process.env.E2E_BASE_URL ?? "http://localhost:3000",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      // The deploy rehearsal runs on its own server (e2e/deploy/playwright.config.ts).
      testIgnore: [/stripe-outage\.spec\.ts/, /\/deploy\//],
      use: { ...devices["Desktop Chrome"], launchOptions: browserLaunchOptions },
    },
    // Stops the Stripe emulator for good, so it runs after everything else.
    {
      name: "outage",
      testMatch: /stripe-outage\.spec\.ts/,
      dependencies: ["chromium"],
      use: { ...devices["Desktop Chrome"], launchOptions: browserLaunchOptions },
    },
  ],
});
