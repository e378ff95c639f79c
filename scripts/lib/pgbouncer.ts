import { spawn, type ChildProcess } from "node:child_process";
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  mkdtempSync,
  rmSync,
  statSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "./embedded-postgres";
import { redactUrl } from "./urls";
import {
  assertTraversable,
  ini,
  postgresIds,
  quote,
  writePrivate,
  type Ids,
} from "./pgbouncer-files";

/**
 * A real PgBouncer in transaction mode in front of a Postgres server, the way Neon, Supabase and
 * most Vercel deployments reach their database: every transaction may run on another server
 * connection, so session state (session advisory locks, SET, named prepared statements, LISTEN)
 * does not survive from one transaction to the next.
 */

export type RunningPgBouncer = {
  /** The upstream URL with only host and port changed: same user, password, database, params. */
  url: string;
  stop(): Promise<void>;
};

export type PgBouncerOptions = {
  /** Server connections per (database, user) pair; `default_pool_size`. */
  poolSize?: number;
  /** Print PgBouncer's own log lines (off by default). */
  verbose?: boolean;
};

/** Where `PGBOUNCER_BIN` is unset, the first of these that exists (Debian, then Homebrew / PATH). */
const DEFAULT_BINARIES = [
  "/usr/sbin/pgbouncer",
  "/opt/homebrew/bin/pgbouncer",
  "/usr/local/bin/pgbouncer",
];

/** One line naming the fix, for when findPgBouncer() finds nothing. */
export function pgBouncerMissingMessage(): string {
  const configured = process.env.PGBOUNCER_BIN;
  return configured
    ? `PGBOUNCER_BIN=${configured} is not an executable file: point it at pgbouncer, or unset it and run \`apt-get install -y pgbouncer\` (Debian/Ubuntu) or \`brew install pgbouncer\` (macOS).`
    : "PgBouncer is not installed: run `apt-get install -y pgbouncer` (Debian/Ubuntu) or " +
        "`brew install pgbouncer` (macOS), or set PGBOUNCER_BIN to its path.";
}

/** The PgBouncer program to run, or undefined when none is installed. */
export function findPgBouncer(): string | undefined {
  const configured = process.env.PGBOUNCER_BIN;
  if (configured) return isExecutable(configured) ? configured : undefined;
  const onPath = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, "pgbouncer"));
  return [...DEFAULT_BINARIES, ...onPath].find(isExecutable);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Runs PgBouncer in the foreground through a small shell watchdog: the watchdog holds the read end
 * of a pipe whose write end only this Node process has, so when Node exits for any reason (even
 * SIGKILL) the pipe closes and the watchdog stops PgBouncer. `$0` is PgBouncer, `$1` its ini,
 * `$2` the private folder, removed once PgBouncer has exited (it holds the password).
 */
const WATCHDOG = `
exec 3<&0
"$0" "$1" </dev/null &
pid=$!
( cat <&3 >/dev/null; kill -TERM "$pid" 2>/dev/null ) &
watch=$!
exec 3<&-
wait "$pid"
code=$?
kill "$watch" 2>/dev/null
rm -rf "$2"
exit "$code"
`;

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

export async function startPgBouncer(
  upstreamUrl: string,
  options: PgBouncerOptions = {},
): Promise<RunningPgBouncer> {
  const binary = findPgBouncer();
  if (!binary) throw new Error(pgBouncerMissingMessage());

  const upstream = new URL(upstreamUrl);
  const user = decodeURIComponent(upstream.username);
  const password = decodeURIComponent(upstream.password);
  if (!user) throw new Error(`startPgBouncer: ${redactUrl(upstream)} names no user.`);
  const upstreamHost = upstream.hostname === "localhost" ? "127.0.0.1" : upstream.hostname;
  const upstreamPort = upstream.port || "5432";

  // As root, PgBouncer (which refuses to run as root) runs as the `postgres` user, like the
  // embedded Postgres: it must be able to enter its folder and read its files.
  const owner = process.getuid?.() === 0 ? postgresIds() : undefined;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = new URL(upstream.href);
    url.hostname = "127.0.0.1";
    url.port = String(port);
    const dir = mkdtempSync(path.join(os.tmpdir(), "saas-pgbouncer-"));
    const remove = () => rmSync(dir, { recursive: true, force: true });
    let started: Launch;
    try {
      if (owner) assertTraversable(dir);
      const authFile = path.join(dir, "userlist.txt");
      const iniFile = path.join(dir, "pgbouncer.ini");
      writePrivate(authFile, `${quote(user)} ${quote(password)}\n`, owner);
      writePrivate(
        iniFile,
        ini({
          upstreamHost,
          upstreamPort,
          port,
          authFile,
          passwordAuth: password !== "",
          poolSize: options.poolSize ?? 20,
        }),
        owner,
      );
      if (owner) chownSync(dir, owner.uid, owner.gid);
      chmodSync(dir, 0o700);
      started = await launch(binary, iniFile, dir, url.href, owner, options.verbose ?? false);
    } catch (error) {
      remove();
      throw error;
    }
    if (started.ok) {
      const { stop } = started;
      return {
        url: url.href,
        async stop() {
          await stop();
          remove();
        },
      };
    }
    remove();
    // Another process may have taken the free port between the check and PgBouncer's bind.
    if (!/address already in use/i.test(started.log) || attempt >= 3) {
      throw new Error(`PgBouncer did not start: ${started.reason}\n${started.log}`);
    }
  }
}

type Launch = { ok: true; stop(): Promise<void> } | { ok: false; reason: string; log: string };

async function launch(
  binary: string,
  iniFile: string,
  dir: string,
  url: string,
  owner: Ids | undefined,
  verbose: boolean,
): Promise<Launch> {
  const lines: string[] = [];
  const child = spawn("/bin/sh", ["-c", WATCHDOG, binary, iniFile, dir], {
    stdio: ["pipe", "pipe", "pipe"],
    // Its own process group: a terminal's Ctrl-C reaches Node, whose exit then stops PgBouncer
    // through the watchdog, and stop() can end the whole group if PgBouncer hangs.
    detached: true,
    ...(owner ?? {}),
  });
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 40) lines.shift();
      if (verbose) process.stderr.write(`[pgbouncer] ${line}\n`);
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<string>((resolve) => {
    child.on("exit", (code, signal) => resolve(signal ? `killed by ${signal}` : `exit ${code}`));
    child.on("error", (error) => resolve(error.message));
  });
  let exitReason: string | undefined;
  void exited.then((reason) => {
    exitReason = reason;
    child.stdin?.destroy();
  });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = "";
  while (exitReason === undefined) {
    const error = await trySelectOne(url);
    if (error === undefined) return { ok: true, stop: () => terminate(child, exited) };
    lastError = error;
    if (Date.now() > deadline) {
      await terminate(child, exited);
      return {
        ok: false,
        reason: `no answer to SELECT 1 within ${READY_TIMEOUT_MS} ms (${lastError})`,
        log: lines.join("\n"),
      };
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
  }
  return { ok: false, reason: `it stopped (${exitReason})`, log: lines.join("\n") };
}

/** Closing the watchdog's pipe stops PgBouncer; if it hangs, the whole process group is killed. */
async function terminate(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.stdin?.end();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (timedOut && child.pid) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    await exited;
  }
}

/** Undefined once a real query went through PgBouncer to the server; else why not. */
async function trySelectOne(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
