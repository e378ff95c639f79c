import { defineConfig, devices } from "@playwright/test";
import { browserLaunchOptions } from "../../playwright.config";

/** The deploy rehearsal's browser part, run by scripts/deploy-rehearsal.ts against its server. */
export default defineConfig({
  testDir: ".",
  forbidOnly: Boolean(process.env.CI),
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  // The JSON report feeds the summary line of `npm test`.
  reporter: [["list"], ["json", { outputFile: "../../.data/test-results/deploy.json" }]],
  use: {
    baseURL: process.env.E2E_BASE_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: { ...devices["Desktop Chrome"], launchOptions: browserLaunchOptions },
    },
  ],
});
