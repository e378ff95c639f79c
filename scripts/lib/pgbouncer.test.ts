import { spawn } from "node:child_process";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { startPgBouncer, type RunningPgBouncer } from "./pgbouncer";
import { migrateDeploy } from "./prisma-cli";

// A PgBouncer of this file's own, in front of a private database on the run's Postgres server
// (reached directly), with a pool of 2 server connections so that clients must share them.
const directUrl = inject("directDatabaseUrl");
const database = `pgbouncer_${process.pid}_${Date.now()}`;
const privateDirectUrl = directUrl.replace(/\/[^/?]+(\?|$)/, `/${database}$1`);

let admin: pg.Client | undefined;
let bouncer: RunningPgBouncer | undefined;
let failure: unknown;
const opened: { end(): Promise<void> }[] = [];

beforeAll(async () => {
  admin = new pg.Client(directUrl);
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await migrateDeploy(privateDirectUrl);
  try {
    bouncer = await startPgBouncer(privateDirectUrl, { poolSize: 2 });
  } catch (error) {
    // Every test then fails with this (one line when PgBouncer is missing): never skipped.
    failure = error;
  }
});

// Each test's client connections close after it (in session mode they would pin server ones).
afterEach(async () => {
  for (const client of opened.splice(0)) await client.end().catch(() => undefined);
});

afterAll(async () => {
  await bouncer?.stop();
  await admin?.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin?.end();
});

function pooledUrl(): string {
  if (!bouncer) throw failure instanceof Error ? failure : new Error(String(failure));
  return bouncer.url;
}

async function client(): Promise<pg.Client> {
  const c = new pg.Client(pooledUrl());
  await c.connect();
  opened.push(c);
  return c;
}

async function backendPid(c: pg.Client): Promise<number> {
  const { rows } = await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  const [row] = rows;
  if (!row) throw new Error("no row");
  return row.pid;
}

describe("startPgBouncer", () => {
  it("keeps the URL's user, password and database; only host and port change", async () => {
    const pooled = new URL(pooledUrl());
    const direct = new URL(privateDirectUrl);
    expect(pooled.username).toBe(direct.username);
    expect(pooled.password).toBe(direct.password);
    expect(pooled.pathname).toBe(`/${database}`);
    expect(pooled.port).not.toBe(direct.port);

    const c = await client();
    const { rows } = await c.query("SELECT current_database() AS db, current_user AS user");
    expect(rows).toEqual([{ db: database, user: direct.username }]);

    // Any database name is routed (the wildcard entry), and the password is really checked.
    const other = new URL(pooled.href);
    other.pathname = "/postgres";
    const c2 = new pg.Client(other.href);
    await c2.connect();
    opened.push(c2);
    expect((await c2.query("SELECT current_database() AS db")).rows).toEqual([{ db: "postgres" }]);
    const wrong = new URL(pooled.href);
    wrong.password = "wrong-password";
    const c3 = new pg.Client(wrong.href);
    c3.on("error", () => undefined);
    await expect(c3.connect()).rejects.toThrow(/authentication failed/i);
  });

  it("pools per transaction: one client's transactions run on different server backends", async () => {
    const a = await client();
    const b = await client();

    await a.query("BEGIN");
    const first = await backendPid(a);
    await a.query("COMMIT");

    // A's backend went back to the pool at COMMIT: B's transaction gets it (session pooling
    // would keep it pinned to A until A disconnects).
    await b.query("BEGIN");
    expect(await backendPid(b)).toBe(first);

    // While B holds it, A's next transaction, on the same client connection, runs elsewhere.
    await a.query("BEGIN");
    const second = await backendPid(a);
    await a.query("COMMIT");
    await b.query("COMMIT");
    expect(second).not.toBe(first);
  });

  it("supports pg_advisory_xact_lock: held until COMMIT, then released with the transaction", async () => {
    const a = await client();
    const b = await client();
    const key = 424242;
    const tryLock = async () =>
      (await b.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS ok", [key])).rows[0]
        ?.ok;

    await a.query("BEGIN");
    await a.query("SELECT pg_advisory_xact_lock($1)", [key]);
    expect(await tryLock()).toBe(false);
    await a.query("COMMIT");
    expect(await tryLock()).toBe(true);
  });

  it("supports SELECT ... FOR UPDATE SKIP LOCKED across pooled clients", async () => {
    const setup = await client();
    await setup.query("CREATE TABLE pgbouncer_jobs (id int PRIMARY KEY)");
    await setup.query("INSERT INTO pgbouncer_jobs SELECT generate_series(1, 4)");
    const claim = async (c: pg.Client) =>
      (
        await c.query<{ id: number }>(
          "SELECT id FROM pgbouncer_jobs ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
          [2],
        )
      ).rows.map((row) => row.id);

    const a = await client();
    const b = await client();
    await a.query("BEGIN");
    await b.query("BEGIN");
    expect(await claim(a)).toEqual([1, 2]);
    expect(await claim(b)).toEqual([3, 4]);
    await a.query("COMMIT");
    expect(await claim(b)).toEqual([1, 2]);
    await b.query("COMMIT");
  });

  it("runs Prisma interactive transactions and raw queries without prepared-statement errors", async () => {
    const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: pooledUrl() }) });
    opened.push({ end: () => db.$disconnect() });
    await db.$executeRawUnsafe(
      "CREATE TABLE pgbouncer_counter (id int PRIMARY KEY, n int NOT NULL)",
    );
    await db.$executeRaw`INSERT INTO pgbouncer_counter VALUES (1, 0)`;

    // 20 transactions from Prisma's pool of client connections over 2 server connections: each
    // reads then writes under an advisory xact lock, with parameterized queries interleaving on
    // shared backends. Named prepared statements or a lost lock would show up here.
    const runs = 20;
    const emails = await Promise.all(
      Array.from({ length: runs }, (_, i) =>
        db.$transaction(
          async (tx) => {
            await tx.$executeRaw`SELECT pg_advisory_xact_lock(${777}::bigint)`;
            const [row] = await tx.$queryRaw<{ n: number }[]>`
              SELECT n FROM pgbouncer_counter WHERE id = ${1}`;
            await new Promise((resolve) => setTimeout(resolve, 5));
            await tx.$executeRaw`UPDATE pgbouncer_counter SET n = ${(row?.n ?? 0) + 1} WHERE id = ${1}`;
            const user = await tx.user.create({ data: { email: `pooled-${i}@example.com` } });
            const found = await tx.user.findUniqueOrThrow({ where: { id: user.id } });
            return found.email;
          },
          { maxWait: 20_000, timeout: 20_000 },
        ),
      ),
    );
    expect(new Set(emails).size).toBe(runs);
    const [counter] = await db.$queryRaw<{ n: number }[]>`
      SELECT n FROM pgbouncer_counter WHERE id = ${1}`;
    expect(counter?.n).toBe(runs);
    expect(await db.user.count({ where: { email: { startsWith: "pooled-" } } })).toBe(runs);

    // A transaction that throws is rolled back on whichever backend it ran.
    await expect(
      db.$transaction(async (tx) => {
        await tx.user.create({ data: { email: "rolled-back@example.com" } });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await db.user.findUnique({ where: { email: "rolled-back@example.com" } })).toBeNull();
  });

  it("stop() closes it, and it dies with the Node process that started it", async () => {
    pooledUrl();
    const own = await startPgBouncer(privateDirectUrl, { poolSize: 1 });
    await expect(canQuery(own.url)).resolves.toBe(true);
    await own.stop();
    await expect(canQuery(own.url)).resolves.toBe(false);

    // A Node process starts one, then is killed with SIGKILL (no exit handlers run).
    const modulePath = path.join(import.meta.dirname, "pgbouncer.ts");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "--eval",
        `const { startPgBouncer } = await import(${JSON.stringify(modulePath)});
         const { url } = await startPgBouncer(${JSON.stringify(privateDirectUrl)}, { poolSize: 1 });
         console.log(url);
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("\n")) resolve(out.trim());
      });
      child.on("exit", (code) => reject(new Error(`child exited (${code}) before starting`)));
    });
    await expect(canQuery(url)).resolves.toBe(true);
    child.kill("SIGKILL");
    const deadline = Date.now() + 10_000;
    while ((await canQuery(url)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await expect(canQuery(url)).resolves.toBe(false);
  });
});

async function canQuery(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  c.on("error", () => undefined);
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}
