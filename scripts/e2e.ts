/**
 * `npm run test:e2e`: end-to-end tests against a production build, as users get it. Starts a
 * throwaway PostgreSQL and the local Stripe emulator (set up like `npm run stripe:setup`, events
 * forwarded to the app), builds the app (into .next-e2e, so a running `npm run dev` is untouched),
 * serves it with `next start`, runs Playwright, and stops everything. Extra arguments go to
 * Playwright (e.g. `npm run test:e2e -- e2e/auth.spec.ts`).
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { freePort } from "./lib/embedded-postgres";
import { spawnLocalStripe } from "./lib/local-stripe";
import { binPath, exitCode, runNode, waitForHttp } from "./lib/processes";
import { startScratchStack } from "./lib/scratch-stack";
import { migrateDeploy } from "./lib/prisma-cli";

// `npm run screenshots`: the README's screenshots are rewritten only when asked for.
const screenshots = process.argv.includes("--screenshots");
const playwrightArgs = process.argv.slice(2).filter((arg) => arg !== "--screenshots");

const root = path.resolve(import.meta.dirname, "..");
const { postgres, scratch, onStop, stopAll } = await startScratchStack("saas-e2e-");

let code = 1;
try {
  await migrateDeploy(postgres.url);
  const port = await freePort();
  const appUrl = `http://localhost:${port}`;
  process.env.DATABASE_URL = postgres.url;
  // Stripe promises no delivery order: e2e runs shuffled (with duplicates and late deliveries).
  // The seed is printed; STRIPE_EMULATOR_SEED replays a run.
  const seed = Number(process.env.STRIPE_EMULATOR_SEED) || Math.floor(Math.random() * 2 ** 31);
  console.log(
    `e2e: webhook delivery shuffled, seed ${seed} (STRIPE_EMULATOR_SEED=${seed} replays it)`,
  );
  const stripe = await spawnLocalStripe({
    port: await freePort(),
    stateFile: path.join(scratch, "stripe-emulator.json"),
    appUrl,
    log: (line) => console.log(`e2e: ${line}`),
    delivery: { order: "shuffled", seed },
  });
  onStop(() => stripe.stop());
  const env: Record<string, string> = {
    ...stripe.env,
    E2E_STRIPE_EMULATOR_PID: String(stripe.pid),
    NEXT_TELEMETRY_DISABLED: "1",
    NEXT_DIST_DIR: ".next-e2e",
    DATABASE_URL: postgres.url,
    APP_URL: appUrl,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    EMAIL_OUTBOX: "1",
    // The production build talks to the local emulator: the explicit opt-in lib/env.ts demands.
    STRIPE_API_BASE_ALLOW_IN_PRODUCTION: "1",
    // These users' customers get a Stripe test clock each (e2e/billing-grace.spec.ts).
    STRIPE_TEST_CLOCK_EMAILS: "@test-clock.example.com",
    // The billing console's admin (e2e/admin.spec.ts signs in as this address); e2e only.
    ADMIN_EMAILS: "admin@example.com",
  };
  const next = binPath("next", "dist/bin/next");
  if (process.env.E2E_SKIP_BUILD !== "1") {
    const build = runNode(next, ["build"], env);
    if ((await exitCode(build)) !== 0) throw new Error("next build failed");
  }
  const server = runNode(next, ["start", "--port", String(port)], env);
  onStop(() => server.kill());
  await waitForHttp(appUrl);

  const playwright = runNode(binPath("@playwright/test", "cli.js"), ["test", ...playwrightArgs], {
    ...env,
    E2E_BASE_URL: appUrl,
    ...(screenshots && { UPDATE_SCREENSHOTS: "1" }),
  });
  code = await exitCode(playwright);
} catch (error) {
  console.error(`e2e: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await stopAll();
}
process.chdir(root);
process.exit(code);
