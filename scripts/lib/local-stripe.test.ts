/** `npm run dev`'s emulator forwards events to the app at the SDK's API version. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Stripe from "stripe";
import { afterEach, expect, it } from "vitest";
import { startLocalStripe, type LocalStripe } from "./local-stripe";

let server: Server | undefined;
let stripe: LocalStripe | undefined;
let dir: string | undefined;

afterEach(async () => {
  await stripe?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("holds events until the app is up, then forwards every one at the SDK's version (like `stripe listen --latest`)", async () => {
  const versions: string[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      versions.push(String((JSON.parse(body) as { api_version?: unknown }).api_version));
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", () => resolve()));
  const appPort = (server.address() as AddressInfo).port;
  dir = mkdtempSync(path.join(tmpdir(), "local-stripe-"));
  // Setup creates the catalog, so there are events to forward.
  const local = await startLocalStripe({
    port: 0,
    stateFile: path.join(dir, "state.json"),
    appUrl: `http://localhost:${appPort}`,
  });
  stripe = local;
  // Held until the app is up (`npm run dev` releases them once the webhook route answers): no
  // failed deliveries in the start-up log, and none lost.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(versions).toEqual([]);
  const waited = local.releaseForwarding();
  expect(waited).toBeGreaterThan(0);
  await expect.poll(() => versions.length, { timeout: 10_000 }).toBe(waited);
  expect(new Set(versions)).toEqual(new Set([Stripe.API_VERSION]));
});
