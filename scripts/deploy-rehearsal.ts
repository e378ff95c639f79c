/**
 * The deploy rehearsal (a suite of `npm test`): a Vercel production deployment, on this machine.
 * With production variables only (no development defaults, nothing inherited from this shell):
 * `npm run build:vercel` as Vercel runs it, with the database's pooled URL unreachable, so the
 * migrations can only have gone through DATABASE_URL_UNPOOLED and the build needs no pooler; then
 * PgBouncer in transaction mode as the pooled DATABASE_URL, `next start`, and a browser signs in,
 * subscribes and opens the billing page (e2e/deploy/). Stand-ins, as in the e2e suite: the Stripe
 * emulator (STRIPE_API_BASE, allowed in production by its explicit opt-in) and the email outbox
 * (EMAIL_OUTBOX=1, accepted only with a localhost APP_URL) instead of SMTP.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { freePort } from "./lib/embedded-postgres";
import { LOCAL_STRIPE_KEY, LOCAL_WEBHOOK_SECRET, spawnLocalStripe } from "./lib/local-stripe";
import { startPgBouncer } from "./lib/pgbouncer";
import { binPath, exitCode, runNode, waitForHttp } from "./lib/processes";
import { startScratchStack } from "./lib/scratch-stack";

const root = path.resolve(import.meta.dirname, "..");
const { postgres, scratch, onStop, stopAll } = await startScratchStack("saas-deploy-");

/** Runs a Node script with exactly `env` (plus PATH and HOME): nothing from this process leaks in. */
function runWithOnly(script: string, args: string[], env: Record<string, string>) {
  const only: Record<string, string> = { ...env };
  for (const name of ["PATH", "HOME", "CI"]) {
    const value = process.env[name];
    if (value !== undefined) only[name] = value;
  }
  return spawn(process.execPath, [script, ...args], {
    cwd: root,
    stdio: "inherit",
    env: only as NodeJS.ProcessEnv,
  });
}

async function appliedMigrations(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>(
      `SELECT count(*) FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`,
    );
    return Number(rows[0]?.count ?? 0);
  } finally {
    await client.end();
  }
}

let code = 1;
try {
  const [appPort, emulatorPort, unreachablePort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const appUrl = `http://localhost:${appPort}`;
  // The deployment's environment: what a founder sets in Vercel's Production environment.
  const production: Record<string, string> = {
    NODE_ENV: "production",
    VERCEL_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    NEXT_DIST_DIR: ".next-rehearsal",
    APP_URL: appUrl,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    CRON_SECRET: randomBytes(32).toString("base64url"),
    DATABASE_URL_UNPOOLED: postgres.url,
    STRIPE_SECRET_KEY: LOCAL_STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET,
    STRIPE_API_BASE: `http://localhost:${emulatorPort}`,
    STRIPE_API_BASE_ALLOW_IN_PRODUCTION: "1",
    EMAIL_OUTBOX: "1",
  };

  console.log("deploy: npm run build:vercel (the pooled URL unreachable during the build)");
  const pooledAtBuild = new URL(postgres.url);
  pooledAtBuild.hostname = "127.0.0.1";
  pooledAtBuild.port = String(unreachablePort);
  const build = runWithOnly(
    binPath("tsx", "dist/cli.mjs"),
    [path.join(root, "scripts", "vercel-build.ts")],
    { ...production, DATABASE_URL: pooledAtBuild.href },
  );
  if ((await exitCode(build)) !== 0) throw new Error("npm run build:vercel failed");
  const expected = readdirSync(path.join(root, "prisma", "migrations"), {
    withFileTypes: true,
  }).filter((entry) => entry.isDirectory()).length;
  const applied = await appliedMigrations(postgres.url);
  if (applied !== expected) {
    throw new Error(`the build applied ${applied} of ${expected} migrations`);
  }
  console.log(`deploy: the build applied all ${applied} migrations through DATABASE_URL_UNPOOLED`);

  const pooler = await startPgBouncer(postgres.url);
  onStop(() => pooler.stop());
  // The emulator's setup (like `npm run stripe:setup`) reads lib/env in this process.
  process.env.DATABASE_URL = postgres.url;
  const stripe = await spawnLocalStripe({
    port: emulatorPort,
    stateFile: path.join(scratch, "stripe-emulator.json"),
    appUrl,
    log: (line) => console.log(`deploy: ${line}`),
  });
  onStop(() => stripe.stop());

  console.log("deploy: next start, DATABASE_URL through PgBouncer (transaction mode)");
  const server = runWithOnly(
    binPath("next", "dist/bin/next"),
    ["start", "--port", String(appPort)],
    { ...production, DATABASE_URL: pooler.url },
  );
  onStop(() => server.kill());
  await waitForHttp(appUrl);

  const playwright = runNode(
    binPath("@playwright/test", "cli.js"),
    ["test", "--config", path.join(root, "e2e", "deploy", "playwright.config.ts")],
    // The test process reads sign-in links from the outbox table, directly.
    { E2E_BASE_URL: appUrl, DATABASE_URL: postgres.url, STRIPE_API_BASE: stripe.url },
  );
  code = await exitCode(playwright);
} catch (error) {
  console.error(`deploy: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await stopAll();
}
process.exit(code);
