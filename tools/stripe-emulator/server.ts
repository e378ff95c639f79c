/**
 * Local, stateful emulator of the slice of Stripe this app uses. Node's http server only.
 * `startStripeEmulator()` is the entry point for tests and the CLI: it wires the engine to the
 * HTTP server and sends each path prefix to its handler (`/v1` API, `/_emulator` control, hosted
 * pages). Outside code imports this file and control/client.ts only.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { handleApi } from "./api/handle";
import { handleControl } from "./control/routes";
import { EmulatorCore, type ForwardTarget } from "./engine/emulator-core";
import { randomToken } from "./engine/store";
import { ApiError, noSuch } from "./http/errors";
import { sendJson } from "./http/respond";
import { handleCheckoutPage } from "./pages/checkout";
import { handleInvoicePage } from "./pages/invoice";
import { handlePortalPage } from "./pages/portal/handler";
import { startDunning, type DunningOption } from "./resources/subscriptions/dunning";
import { finishInterruptedAdvances } from "./resources/test-clocks";
import type { DeliveryMode } from "./webhooks/delivery-mode";
import { describeDeliveryMode } from "./webhooks/delivery-mode";
import { DEFAULT_ACCOUNT_API_VERSION } from "./webhooks/events";

export interface StripeEmulatorOptions {
  /** 0 or undefined: a free port. */
  port?: number;
  /** Persist state as JSON here (debounced atomic writes) and load it on start. */
  stateFile?: string;
  /**
   * Deliver every event here too, like `stripe listen --forward-to`; rendered at `apiVersion`,
   * else the account default (like `stripe listen` without `--latest`).
   */
  forward?: ForwardTarget;
  log?: (line: string) => void;
  /** Backoff before each webhook retry, ms. Default [500, 1000, 2000, 4000]. */
  retryDelaysMs?: number[];
  /** Per-attempt webhook timeout, ms. Default 10000. */
  webhookTimeoutMs?: number;
  /** Webhook delivery mode (default ordered); see delivery-mode.ts. The seed is logged on start. */
  delivery?: Partial<DeliveryMode>;
  /** The account's default API version (endpoints without `api_version`). Default: older than the SDK's. */
  accountApiVersion?: string;
  /** Start even with NODE_ENV=production (same as STRIPE_EMULATOR_ALLOW_PRODUCTION=1). */
  allowProduction?: boolean;
  /**
   * Failed-payment settings (Stripe's account settings), for both modes or per mode
   * (`{ live: {...} }`); default retries after 3, 2, 2 days, then cancel. See dunning.ts.
   */
  dunning?: DunningOption;
  /** How long a test clock stays `advancing` before its steps run, ms. Default 500. */
  testClockAdvanceMs?: number;
}

export interface RunningStripeEmulator {
  /** `http://localhost:PORT` (never 127.0.0.1: Next.js cookies are host-bound). */
  url: string;
  port: number;
  /** Starts the held forwarding (`forward.held`): what waited is delivered now, in order. */
  releaseForwarding(): number;
  stop(): Promise<void>;
}

export async function startStripeEmulator(
  options: StripeEmulatorOptions = {},
): Promise<RunningStripeEmulator> {
  const allowed = options.allowProduction || process.env.STRIPE_EMULATOR_ALLOW_PRODUCTION === "1";
  if (process.env.NODE_ENV === "production" && !allowed) {
    // A fake payment provider must never serve a real deployment by accident.
    throw new Error(
      "refusing to start with NODE_ENV=production (set STRIPE_EMULATOR_ALLOW_PRODUCTION=1 for tests)",
    );
  }
  const log = options.log ?? (() => undefined);
  const core = new EmulatorCore({
    stateFile: options.stateFile,
    forward: options.forward,
    log,
    retryDelaysMs: options.retryDelaysMs ?? [500, 1000, 2000, 4000],
    delivery: options.delivery,
    accountApiVersion: options.accountApiVersion ?? DEFAULT_ACCOUNT_API_VERSION,
    timeoutMs: options.webhookTimeoutMs ?? 10_000,
    dunning: startDunning(options.dunning),
    testClockAdvanceMs: options.testClockAdvanceMs ?? 500,
  });
  // A state file saved while a test clock was advancing: that advance completes now.
  finishInterruptedAdvances(core.ctx("test", { id: null, idempotency_key: null }));
  const server = createServer((req, res) => {
    const requestId = `req_${randomToken(14)}`;
    res.setHeader("request-id", requestId);
    const url = new URL(req.url ?? "/", core.baseUrl);
    const path = url.pathname;
    const run = async (): Promise<void> => {
      if (path.startsWith("/v1/")) {
        core.requests.begin();
        try {
          return await handleApi(core, req, res, url, requestId);
        } finally {
          core.requests.end();
        }
      }
      if (path.startsWith("/_emulator/")) return handleControl(core, req, res, url);
      if (path.startsWith("/p/")) return handlePortalPage(core, req, res, url);
      if (path.startsWith("/c/")) return handleCheckoutPage(core, req, res, url);
      if (path.startsWith("/i/")) return handleInvoicePage(core, req, res, url);
      if (path === "/" || path === "/health") {
        return sendJson(res, 200, {
          ok: true,
          emulator: "stripe",
          api_version: Stripe.API_VERSION,
        });
      }
      sendJson(res, 404, noSuch("route", path).toJSON(requestId));
    };
    run().catch((e: unknown) => {
      log(
        `error ${req.method} ${path}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
      if (!res.headersSent)
        sendJson(res, 500, new ApiError(500, "api_error", "Emulator error").toJSON(requestId));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  core.baseUrl = `http://localhost:${port}`;
  log(`Stripe emulator listening on ${core.baseUrl}`);
  log(describeDeliveryMode(core.deliverer.getMode()));
  return {
    url: core.baseUrl,
    port,
    releaseForwarding: () => (options.forward ? core.deliverer.deliverTo(options.forward.url) : 0),
    async stop() {
      core.deliverer.stop();
      core.apiFaults.stop(); // stalled/delayed API requests end unanswered
      core.persistence.writeNow();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
