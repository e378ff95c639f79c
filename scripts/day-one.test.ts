/**
 * A founder's day one: `npm run dev` in one terminal, the README's operational commands in a
 * second one, with no variable set by hand. Real processes: the dev script (embedded PostgreSQL,
 * the emulator, `next dev`), npm and Prisma's CLI. Its own data folder and ports, so it never
 * touches a developer's `.data`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./lib/embedded-postgres";
import { devServicesFile, readDevServices } from "./lib/dev-services";

const root = path.resolve(import.meta.dirname, "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** A second terminal: the shell's environment, without anything this test run set up. */
function terminalEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(DATABASE_URL|DIRECT_DATABASE_URL|STRIPE_|APP_URL|NODE_ENV|VITEST|TEST_)/.test(name)) {
      continue;
    }
    env[name] = value;
  }
  return { ...env, NEXT_TELEMETRY_DISABLED: "1", ...extra };
}

type Run = { code: number; output: string };

function run(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      // Without NODE_ENV, as in a terminal (Next's types declare it always set).
      env: env as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code: code ?? 1, output }));
  });
}

let dataDir: string;
let env: Record<string, string>;
let dev: ChildProcess | undefined;
let devLog = "";
let appUrl: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "day-one-"));
  chmodSync(dataDir, 0o755); // as root, the embedded Postgres runs as the postgres user
  const [appPort, databasePort, emulatorPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  appUrl = `http://localhost:${appPort}`;
  env = terminalEnv({ DEV_DATA_DIR: dataDir });
  const devEnv: Record<string, string> = {
    ...env,
    PORT: String(appPort),
    DEV_DATABASE_PORT: String(databasePort),
    STRIPE_EMULATOR_PORT: String(emulatorPort),
    // Its own build folder: a developer's running `npm run dev` keeps .next to itself.
    NEXT_DIST_DIR: ".next-day-one",
  };
  const child = spawn(
    process.execPath,
    [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/dev.ts"],
    {
      cwd: root,
      env: devEnv as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group: afterAll stops next dev with it
    },
  );
  dev = child;
  child.stdout.on("data", (chunk: Buffer) => (devLog += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (devLog += chunk.toString()));
  // The app is up once the events that waited for it went out (or dev gave up and said why).
  const deadline = Date.now() + 240_000;
  while (!/forwarded \d+ Stripe event|did not answer/.test(devLog)) {
    if (child.exitCode !== null) throw new Error(`npm run dev exited:\n${devLog}`);
    if (Date.now() > deadline) throw new Error(`npm run dev was not ready:\n${devLog}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}, 300_000);

afterAll(async () => {
  if (dev?.pid && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev?.on("exit", resolve));
    process.kill(-dev.pid, "SIGINT");
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("next to npm run dev", () => {
  it("starts with no failed webhook deliveries and lists what it started", () => {
    expect(devLog).toMatch(/forwarded \d+ Stripe event\(s\) that waited for the app/);
    expect(devLog).not.toMatch(/fetch failed|attempt \d/i);
    const services = readDevServices(devServicesFile({ DEV_DATA_DIR: dataDir }));
    expect(services?.vars).toMatchObject({
      APP_URL: appUrl,
      DATABASE_URL: expect.stringMatching(/^postgresql:\/\//),
      STRIPE_SECRET_KEY: expect.stringMatching(/^sk_test_/),
      STRIPE_API_BASE: expect.stringMatching(/^http:\/\/localhost:\d+$/),
      STRIPE_WEBHOOK_SECRET: expect.stringMatching(/^whsec_/),
    });
  });

  it("npx prisma migrate status finds the dev database", async () => {
    const result = await run(
      process.execPath,
      ["node_modules/prisma/build/index.js", "migrate", "status"],
      env,
    );
    expect(result.output).toMatch(/Database schema is up to date/);
    expect(result.code).toBe(0);
  });

  it("npm run stripe:setup, billing:doctor and stripe:reconcile use its database and emulator", async () => {
    const setup = await run(npm, ["run", "stripe:setup"], env);
    expect(setup.output).not.toMatch(/Invalid environment variable/);
    expect(setup.code).toBe(0);

    // In development the emulator forwards like `stripe listen`, so only the endpoint line fails.
    const doctor = await run(npm, ["run", "billing:doctor"], env);
    expect(doctor.output).toMatch(/PASS\s+Stripe key/);
    expect(doctor.output).toMatch(/PASS\s+Database/);
    expect(doctor.output).toContain(`APP_URL ${appUrl}`);
    const failing = doctor.output.split("\n").filter((line) => /^\s*FAIL\s/.test(line));
    expect(failing).toHaveLength(1);
    expect(failing[0]).toMatch(/Webhook endpoint/);

    const reconcile = await run(npm, ["run", "stripe:reconcile"], env);
    expect(reconcile.output).toMatch(/Reconciled \d+ customers? in test mode/);
    expect(reconcile.code).toBe(0);
  });
});

describe("with nothing running", () => {
  it("commands that need the database say in one line how to start it", async () => {
    const idle = terminalEnv({ DEV_DATA_DIR: mkdtempSync(path.join(tmpdir(), "day-one-idle-")) });
    try {
      const reconcile = await run(npm, ["run", "stripe:reconcile"], idle);
      expect(reconcile.code).toBe(1);
      expect(reconcile.output).toMatch(/no database and no Stripe key\. Start `npm run dev`/);
      expect(reconcile.output).not.toMatch(/\n\s+at /); // no stack trace

      const status = await run(
        process.execPath,
        ["node_modules/prisma/build/index.js", "migrate", "status"],
        idle,
      );
      expect(status.output).toMatch(/prisma: no database\. Start `npm run dev`/);
      expect(status.code).not.toBe(0);
    } finally {
      if (idle.DEV_DATA_DIR && existsSync(idle.DEV_DATA_DIR))
        rmSync(idle.DEV_DATA_DIR, { recursive: true });
    }
  });
});
