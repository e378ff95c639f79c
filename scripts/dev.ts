/**
 * `npm run dev`: the app on embedded defaults. With no DATABASE_URL it starts an embedded
 * PostgreSQL (data in .data/postgres, kept across restarts); pending migrations are applied; with
 * no STRIPE_SECRET_KEY it starts the local Stripe emulator (state in .data/stripe-emulator.json,
 * webhooks forwarded to the app) and writes the catalog and portal configuration into it; then
 * `next dev` runs until you stop it, and everything it started stops with it. It listens on
 * localhost only, unless DEV_HOST says otherwise (see scripts/lib/dev-host.ts).
 */
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import nextEnv from "@next/env";
import { startEmbeddedPostgres, type RunningPostgres } from "./lib/embedded-postgres";
import { devHostnameArgs } from "./lib/dev-host";
import { startLocalStripe, type LocalStripe } from "./lib/local-stripe";
import { binPath, exitCode, onShutdown, runNode } from "./lib/processes";
import { migrateDeploy } from "./lib/prisma-cli";

const root = path.resolve(import.meta.dirname, "..");
nextEnv.loadEnvConfig(root, true);
process.env.NEXT_TELEMETRY_DISABLED = "1";

const port = process.env.PORT ?? "3000";
// Sign-in links, Stripe return URLs and the portal's business profile come from APP_URL: on
// another PORT they must point there too, not at lib/env.ts's default of localhost:3000.
const appUrl = (process.env.APP_URL ??= `http://localhost:${port}`);
let postgres: RunningPostgres | undefined;
let stripe: LocalStripe | undefined;
let next: ChildProcess | undefined = undefined;

async function stopServices(): Promise<void> {
  // A SIGTERM sent to this process alone (not its group, as Ctrl-C does) must stop Next too.
  if (next?.exitCode === null) next.kill("SIGTERM");
  await stripe?.stop().catch(() => undefined);
  await postgres?.stop().catch(() => undefined);
}
onShutdown(stopServices);

try {
  if (process.env.DATABASE_URL) {
    console.log("dev: using DATABASE_URL from the environment");
  } else {
    postgres = await startEmbeddedPostgres({ dataDir: path.join(root, ".data", "postgres") });
    // Set here so both `next dev` and the Stripe setup (run in this process) see it.
    process.env.DATABASE_URL = postgres.url;
    console.log(`dev: embedded PostgreSQL running (${postgres.url.replace(/:[^:@/]+@/, ":***@")})`);
  }
  await migrateDeploy(process.env.DATABASE_URL);
  console.log("dev: database migrations are up to date");

  if (process.env.STRIPE_SECRET_KEY) {
    console.log("dev: using STRIPE_SECRET_KEY from the environment");
  } else {
    stripe = await startLocalStripe({
      port: Number(process.env.STRIPE_EMULATOR_PORT ?? 12111),
      stateFile: path.join(root, ".data", "stripe-emulator.json"),
      appUrl,
      log: (line) => console.log(`dev: ${line}`),
    });
    Object.assign(process.env, stripe.env);
    console.log(`dev: local Stripe emulator at ${stripe.url} (no Stripe account needed)`);
  }
} catch (error) {
  console.error(`dev: ${error instanceof Error ? error.message : String(error)}`);
  await stopServices();
  process.exit(1);
}

next = runNode(
  binPath("next", "dist/bin/next"),
  [
    "dev",
    "--port",
    port,
    ...devHostnameArgs(process.argv.slice(2), process.env.DEV_HOST, console.warn),
    ...process.argv.slice(2),
  ],
  {},
);
const code = await exitCode(next);
await stopServices();
process.exit(code);
