/**
 * `npm run dev`: the app on embedded defaults. With no DATABASE_URL it starts an embedded
 * PostgreSQL on DEV_DATABASE_PORT (data in .data/postgres, kept across restarts); pending
 * migrations are applied; with no STRIPE_SECRET_KEY it starts the local Stripe emulator on
 * STRIPE_EMULATOR_PORT (state in .data/stripe-emulator.json, webhooks forwarded to the app) and
 * writes the catalog and portal configuration into it. What it started is written to
 * .data/dev-services.env for commands in another terminal (scripts/lib/dev-services.ts); then
 * `next dev` runs until you stop it, and everything it started stops with it. It listens on
 * localhost only, unless DEV_HOST says otherwise (see scripts/lib/dev-host.ts).
 */
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import nextEnv from "@next/env";
import { z } from "zod";
import { startEmbeddedPostgres, type RunningPostgres } from "./lib/embedded-postgres";
import { devHostnameArgs } from "./lib/dev-host";
import {
  devDataDir,
  devServicesFile,
  readDevServices,
  removeDevServices,
  writeDevServices,
} from "./lib/dev-services";
import { startLocalStripe, type DevStripe } from "./lib/local-stripe";
import {
  assertPortFree,
  binPath,
  exitCode,
  onShutdown,
  runNode,
  waitForHttp,
} from "./lib/processes";
import { migrateDeploy } from "./lib/prisma-cli";

const root = path.resolve(import.meta.dirname, "..");
nextEnv.loadEnvConfig(root, true);
process.env.NEXT_TELEMETRY_DISABLED = "1";

const portNumber = z.coerce
  .number({ message: "expected a port number" })
  .int("expected a port number")
  .min(1, "expected a port number (1-65535)")
  .max(65_535, "expected a port number (1-65535)");
const ports = z
  .object({
    PORT: portNumber.default(3000),
    DEV_DATABASE_PORT: portNumber.default(54329),
    STRIPE_EMULATOR_PORT: portNumber.default(12111),
  })
  .safeParse(process.env);
if (!ports.success) {
  const issue = ports.error.issues[0];
  console.error(`dev: ${issue?.path.join(".")}: ${issue?.message}`);
  process.exit(1);
}
const port = String(ports.data.PORT);
const dataDir = devDataDir();
const servicesFile = devServicesFile();
// Sign-in links, Stripe return URLs and the portal's business profile come from APP_URL, which
// follows PORT in development; set here so dev-services.env gives other terminals the same one.
const appUrl = (process.env.APP_URL ??= `http://localhost:${port}`);
let postgres: RunningPostgres | undefined;
let stripe: DevStripe | undefined;
let next: ChildProcess | undefined = undefined;

async function stopServices(): Promise<void> {
  // A SIGTERM sent to this process alone (not its group, as Ctrl-C does) must stop Next too.
  if (next?.exitCode === null) next.kill("SIGTERM");
  removeDevServices(servicesFile);
  await stripe?.stop().catch(() => undefined);
  await postgres?.stop().catch(() => undefined);
}
onShutdown(stopServices);

/** What this process started, for commands in another terminal (and a second `npm run dev`). */
const started: Record<string, string> = { APP_URL: appUrl };

try {
  const running = readDevServices(servicesFile);
  if (running) {
    throw new Error(
      `npm run dev is already running (pid ${running.pid}, ${running.vars.APP_URL ?? "its app"}): ` +
        "stop it first, or give this one its own DEV_DATA_DIR and ports.",
    );
  }
  if (process.env.DATABASE_URL) {
    console.log("dev: using DATABASE_URL from the environment");
  } else {
    const databasePort = ports.data.DEV_DATABASE_PORT;
    await assertPortFree(databasePort, "DEV_DATABASE_PORT");
    postgres = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, "postgres"),
      port: databasePort,
    });
    // Set here so both `next dev` and the Stripe setup (run in this process) see it.
    process.env.DATABASE_URL = started.DATABASE_URL = postgres.url;
    // A fixed local password on loopback, not a secret: shown so a database GUI can connect.
    console.log(`dev: embedded PostgreSQL at ${postgres.url}`);
  }
  await migrateDeploy(process.env.DATABASE_URL);
  console.log("dev: database migrations are up to date");

  if (process.env.STRIPE_SECRET_KEY) {
    console.log("dev: using STRIPE_SECRET_KEY from the environment");
  } else {
    const emulatorPort = ports.data.STRIPE_EMULATOR_PORT;
    await assertPortFree(emulatorPort, "STRIPE_EMULATOR_PORT");
    stripe = await startLocalStripe({
      port: emulatorPort,
      stateFile: path.join(dataDir, "stripe-emulator.json"),
      appUrl,
      log: (line) => console.log(`dev: ${line}`),
    });
    Object.assign(process.env, stripe.env);
    Object.assign(started, stripe.env);
    console.log(`dev: local Stripe emulator at ${stripe.url} (no Stripe account needed)`);
  }
  writeDevServices(servicesFile, { pid: process.pid, vars: started });
  console.log(
    `dev: ${path.relative(root, servicesFile)} lists these for other terminals ` +
      "(npx prisma, npm run stripe:setup, billing:doctor, stripe:reconcile, db:migrate)",
  );
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
if (stripe) void forwardOnceTheAppAnswers(stripe);
const code = await exitCode(next);
await stopServices();
process.exit(code);

/**
 * The emulator holds its events until the app's webhook route answers (the first request also
 * compiles it), so start-up shows no failed deliveries; then what waited goes out in order.
 */
async function forwardOnceTheAppAnswers(emulator: DevStripe): Promise<void> {
  try {
    await waitForHttp(`${appUrl}/api/webhooks/stripe`, 300_000);
  } catch {
    console.warn(`dev: the app did not answer at ${appUrl}; Stripe events are forwarded anyway`);
  }
  const count = emulator.releaseForwarding();
  if (count > 0) console.log(`dev: forwarded ${count} Stripe event(s) that waited for the app`);
}
