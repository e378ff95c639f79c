import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { createPrivateDatabase } from "@/lib/billing/testing/database";
import {
  emulatorControl,
  type DeliveryMode,
  type EmulatorControl,
} from "@/tools/stripe-emulator/control/client";
import { startStripeEmulator } from "@/tools/stripe-emulator/server";

/**
 * Integration-test harness: the local Stripe emulator, forwarding every event (like
 * `stripe listen --forward-to`) to a tiny HTTP server that hands the request to the real route
 * handler of app/api/webhooks/stripe. Call it before importing any lib module: lib/env reads the
 * environment at import, and each vitest file has its own module registry.
 */

export const TEST_WEBHOOK_SECRET = "whsec_billing_integration_tests";

export type BillingHarness = {
  emulatorUrl: string;
  ctl: EmulatorControl;
  /** Where the emulator delivers: our receiver in front of the route handler. */
  webhookUrl: string;
  /**
   * Delivers everything the emulator holds and waits until the sync queue is empty: what a test
   * checks after Stripe changed something. Fails if the queue has not settled within `timeoutMs`.
   */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
};

type Options = {
  secretKey?: string;
  /** Emulator webhook retry backoff; [] disables automatic retries. */
  retryDelaysMs?: number[];
  /** Database for this test file (defaults to a private copy of the migrated template). */
  databaseUrl?: string;
  /** The drain's debounce between syncs of one customer (BILLING_SYNC_MIN_INTERVAL_MS). */
  syncMinIntervalMs?: number;
  /** Connections of the app's pool (DATABASE_POOL_SIZE). */
  databasePoolSize?: number;
  /**
   * Webhook delivery. Default shuffled (random order, some twice, some late), as Stripe promises
   * no order; the seed is printed, and STRIPE_EMULATOR_SEED replays a run.
   */
  delivery?: Partial<DeliveryMode>;
};

export async function startBillingHarness(options: Options = {}): Promise<BillingHarness> {
  // Filled in once the environment is set and the route module can be imported.
  const route: { POST?: (request: Request) => Promise<Response> } = {};

  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = new Request(`http://localhost${req.url ?? "/"}`, {
        method: req.method,
        headers: toHeaders(req.headers),
        body: Buffer.concat(chunks),
      });
      const respond = route.POST
        ? route.POST(request)
        : Promise.resolve(Response.json({ error: "not ready" }, { status: 503 }));
      respond
        .then(async (response) => {
          res.writeHead(response.status, { "content-type": "application/json" });
          res.end(Buffer.from(await response.arrayBuffer()));
        })
        .catch((error: unknown) => {
          res.writeHead(599);
          res.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const webhookUrl = `http://localhost:${(receiver.address() as AddressInfo).port}/api/webhooks/stripe`;

  const seed = Number(process.env.STRIPE_EMULATOR_SEED) || undefined;
  const emulator = await startStripeEmulator({
    forward: { url: webhookUrl, secret: TEST_WEBHOOK_SECRET },
    retryDelaysMs: options.retryDelaysMs,
    delivery: { order: "shuffled", ...(seed !== undefined && { seed }), ...options.delivery },
    // Only the delivery line (it has the seed a failing run is replayed with).
    log: (line) => {
      if (line.startsWith("webhook delivery:")) console.log(`[billing harness] ${line}`);
    },
  });

  process.env.STRIPE_API_BASE = emulator.url;
  process.env.STRIPE_SECRET_KEY = options.secretKey ?? "sk_test_billing_integration";
  process.env.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET;
  // The drain claims any waiting customer of its database: each file gets a database of its own.
  const privateDb = options.databaseUrl ? null : await createPrivateDatabase("billing");
  process.env.DATABASE_URL = options.databaseUrl ?? privateDb?.url;
  // Short by default so tests need not wait out a production debounce after every change.
  process.env.BILLING_SYNC_MIN_INTERVAL_MS = String(options.syncMinIntervalMs ?? 50);
  if (options.databasePoolSize) process.env.DATABASE_POOL_SIZE = String(options.databasePoolSize);

  route.POST = (await import("@/app/api/webhooks/stripe/route")).POST;
  const { drainSyncQueue } = await import("@/lib/billing/sync/drain");
  const { queueDepth } = await import("@/lib/billing/sync/ledger");
  const ctl = emulatorControl(emulator.url);

  return {
    emulatorUrl: emulator.url,
    ctl,
    webhookUrl,
    async settle(timeoutMs = 60_000) {
      const giveUpAt = Date.now() + timeoutMs;
      for (;;) {
        await ctl.flush();
        await drainSyncQueue({ budgetMs: Math.max(0, giveUpAt - Date.now()) });
        const depth = await queueDepth();
        if (depth.pendingCustomers === 0) return;
        if (Date.now() > giveUpAt) {
          // Why each customer still waits (a lease held, a backoff, the last error), so an
          // intermittent failure explains itself.
          const { db } = await import("@/lib/db");
          const waiting = await db.$queryRawUnsafe<Record<string, unknown>[]>(
            `SELECT "customerId", "requestSeq", "doneSeq", "failures", "lastError", "runAfter",
               "leaseUntil", "leaseToken" IS NOT NULL AS "leased", now() AS "now"
             FROM "CustomerSync" WHERE "requestSeq" > "doneSeq"`,
          );
          throw new Error(
            `sync queue did not settle: ${JSON.stringify(depth)}; waiting: ${JSON.stringify(waiting)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      await emulator.stop();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      const { db } = await import("@/lib/db");
      await db.$disconnect();
      await privateDb?.drop();
    },
  };
}

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  return headers;
}
