import { spawn } from "node:child_process";
import path from "node:path";
import Stripe from "stripe";
import { startStripeEmulator } from "../../tools/stripe-emulator/server";
import { binPath, waitForHttp } from "./processes";

/** Fixed credentials of the local emulator: nothing secret, they only ever reach localhost. */
export const LOCAL_STRIPE_KEY = "sk_test_local_emulator";
export const LOCAL_WEBHOOK_SECRET = "whsec_local_emulator_forwarding";

export type LocalStripeEnv = {
  STRIPE_SECRET_KEY: string;
  STRIPE_API_BASE: string;
  STRIPE_WEBHOOK_SECRET: string;
};

export type LocalStripe = { url: string; env: LocalStripeEnv; stop(): Promise<void> };

/** The in-process emulator of `npm run dev`, whose forwarding waits for the app. */
export type DevStripe = LocalStripe & {
  /** Delivers the events that waited for the app (setup's among them); returns how many. */
  releaseForwarding(): number;
};

type Options = {
  port: number;
  stateFile: string;
  /** The app's URL: events are forwarded to its webhook route, like `stripe listen --forward-to`. */
  appUrl: string;
  log?: (line: string) => void;
  /** Webhook delivery of the spawned emulator (default ordered); e2e runs shuffled. */
  delivery?: { order: "ordered" | "shuffled"; seed?: number };
};

function envFor(url: string): LocalStripeEnv {
  return {
    STRIPE_SECRET_KEY: LOCAL_STRIPE_KEY,
    STRIPE_API_BASE: url,
    STRIPE_WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET,
  };
}

/**
 * Writes the plan catalog and the portal configuration into the emulator (`npm run stripe:setup`
 * does the same against real Stripe), so the portal works on first start. Needs DATABASE_URL in
 * process.env: the setup module loads lib/env.
 */
async function configure(url: string, log: (line: string) => void): Promise<void> {
  Object.assign(process.env, envFor(url));
  const { runStripeSetup } = await import("../../lib/billing/config/setup");
  const { port } = new URL(url);
  const stripe = new Stripe(LOCAL_STRIPE_KEY, {
    host: "localhost",
    port: Number(port),
    protocol: "http",
  });
  // The emulator is test mode: the sample promotion code LAUNCH20 is there to try Checkout with.
  const result = await runStripeSetup({ stripe, samplePromotionCode: true, log: () => undefined });
  log(
    result.changes.length === 0
      ? "Stripe catalog and portal configuration are up to date"
      : `Stripe setup applied ${result.changes.length} change(s) to the emulator`,
  );
}

/**
 * The emulator inside this process (development). Events are forwarded only once
 * `releaseForwarding()` is called: the app is not listening yet while the setup creates them.
 */
export async function startLocalStripe(options: Options): Promise<DevStripe> {
  const log = options.log ?? (() => undefined);
  const emulator = await startStripeEmulator({
    port: options.port,
    stateFile: options.stateFile,
    forward: {
      url: `${options.appUrl}/api/webhooks/stripe`,
      secret: LOCAL_WEBHOOK_SECRET,
      // Like `stripe listen --latest` (and the spawned emulator's CLI): the SDK's version.
      apiVersion: Stripe.API_VERSION,
      held: true,
    },
    log: (line) => {
      if (/error|fail/i.test(line)) log(`stripe emulator: ${line}`);
    },
  });
  try {
    await configure(emulator.url, log);
  } catch (error) {
    await emulator.stop();
    throw error;
  }
  return {
    url: emulator.url,
    env: envFor(emulator.url),
    releaseForwarding: () => emulator.releaseForwarding(),
    stop: () => emulator.stop(),
  };
}

/**
 * The emulator as a child process (end-to-end tests: a test can stop it to simulate an outage and
 * start it again with `command`/`commandEnv`, on the same port and state file).
 */
export async function spawnLocalStripe(
  options: Options,
): Promise<LocalStripe & { pid: number; command: string[]; commandEnv: Record<string, string> }> {
  const root = path.resolve(import.meta.dirname, "..", "..");
  const command = [
    process.execPath,
    binPath("tsx", "dist/cli.mjs"),
    path.join(root, "tools", "stripe-emulator", "cli.ts"),
  ];
  const commandEnv = {
    STRIPE_EMULATOR_PORT: String(options.port),
    STRIPE_EMULATOR_STATE: options.stateFile,
    STRIPE_EMULATOR_FORWARD_URL: `${options.appUrl}/api/webhooks/stripe`,
    STRIPE_EMULATOR_FORWARD_SECRET: LOCAL_WEBHOOK_SECRET,
    ...(options.delivery && { STRIPE_EMULATOR_DELIVERY: options.delivery.order }),
    ...(options.delivery?.seed !== undefined && {
      STRIPE_EMULATOR_SEED: String(options.delivery.seed),
    }),
  };
  const [node, ...args] = command;
  const child = spawn(node ?? process.execPath, args, {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, ...commandEnv },
  });
  const url = `http://localhost:${options.port}`;
  await waitForHttp(`${url}/_emulator/clock`, 30_000);
  await configure(url, options.log ?? (() => undefined));
  return {
    url,
    env: envFor(url),
    pid: child.pid ?? 0,
    command,
    commandEnv,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
    },
  };
}
