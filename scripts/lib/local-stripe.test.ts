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

it("forwards events rendered at the SDK's version (like `stripe listen --latest`), so the app does not warn", async () => {
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
  // Setup creates the catalog, so events are forwarded at once.
  stripe = await startLocalStripe({
    port: 0,
    stateFile: path.join(dir, "state.json"),
    appUrl: `http://localhost:${appPort}`,
  });
  await expect.poll(() => versions.length, { timeout: 10_000 }).toBeGreaterThan(0);
  expect(new Set(versions)).toEqual(new Set([Stripe.API_VERSION]));
});
