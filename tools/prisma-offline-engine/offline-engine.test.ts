import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type RunningPostgres } from "../../scripts/lib/embedded-postgres";
import {
  BRIDGE,
  FALLBACK_LINE,
  ROOT,
  childEnv,
  createScratchProject,
  run,
  writeSchema,
  type RunResult,
} from "./test-helpers";

const PRISMA_CLI = path.join(ROOT, "node_modules/prisma/build/index.js");
const TIMEOUT = 120_000;

const WIDGET = `model Widget {
  id   Int    @id @default(autoincrement())
  name String
}
`;
const WIDGET_WITH_PRICE = WIDGET.replace("name String", "name  String\n  price Int    @default(0)");
// The table the hand-written migration below creates, so that Prisma sees no drift.
const SETTING = `
model Setting {
  key   String @id
  value String
}
`;
const TAG = `
model Tag {
  id    Int    @id @default(autoincrement())
  label String @unique
}
`;

/** Hand-written: `$$` bodies and `';'` literals break naive splitting on semicolons. */
const PLPGSQL_MIGRATION = `CREATE TABLE "Setting" ("key" TEXT PRIMARY KEY, "value" TEXT NOT NULL);
INSERT INTO "Setting" ("key", "value") VALUES ('separator', ';'), ('quoted', 'it''s; fine');

CREATE OR REPLACE FUNCTION add_one(n integer) RETURNS integer AS $$
DECLARE
  result integer;
BEGIN
  result := n + 1; -- a semicolon inside the body
  RETURN result;
END;
$$ LANGUAGE plpgsql;
`;

let postgres: RunningPostgres;
let project: string;

beforeAll(async () => {
  postgres = await startEmbeddedPostgres();
  project = createScratchProject(WIDGET);
}, TIMEOUT);

afterAll(async () => {
  await postgres?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
});

function prisma(args: string[], database: string | undefined): Promise<RunResult> {
  const url = database === undefined ? undefined : postgres.urlFor(database);
  return run(process.execPath, [PRISMA_CLI, ...args], {
    cwd: project,
    env: childEnv({ DATABASE_URL: url }),
  });
}

async function expectSuccess(result: RunResult): Promise<RunResult> {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}

async function query<T extends pg.QueryResultRow>(
  database: string,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: postgres.urlFor(database) });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

function migrationNames(): string[] {
  return readdirSync(path.join(project, "prisma/migrations"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function migrationSql(name: string): string {
  return readFileSync(path.join(project, "prisma/migrations", name, "migration.sql"), "utf8");
}

async function appliedMigrations(database: string) {
  return query<{ migration_name: string; checksum: string; finished: boolean }>(
    database,
    `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished
       FROM _prisma_migrations WHERE rolled_back_at IS NULL ORDER BY migration_name`,
  );
}

async function shadowDatabases(): Promise<string[]> {
  const rows = await query<{ datname: string }>(
    "postgres",
    "SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'",
  );
  return rows.map((row) => row.datname);
}

async function columns(database: string, table: string): Promise<string[]> {
  const rows = await query<{ column_name: string }>(
    database,
    "SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY column_name",
    [table],
  );
  return rows.map((row) => row.column_name);
}

describe("prisma CLI with the offline schema engine", { timeout: TIMEOUT }, () => {
  it("migrate dev --name init creates and applies the first migration, announcing the fallback once", async () => {
    const result = await expectSuccess(await prisma(["migrate", "dev", "--name", "init"], "dev"));
    expect(result.stderr.split(FALLBACK_LINE).length - 1).toBe(1);
    expect(result.stdout).not.toContain(FALLBACK_LINE);

    const [init] = migrationNames();
    expect(init).toMatch(/^\d{14}_init$/);
    expect(migrationSql(init!)).toContain('CREATE TABLE "Widget"');
    expect(
      readFileSync(path.join(project, "prisma/migrations/migration_lock.toml"), "utf8"),
    ).toContain('provider = "postgresql"');
    expect(await columns("dev", "Widget")).toEqual(["id", "name"]);
    const checksum = createHash("sha256").update(migrationSql(init!)).digest("hex");
    expect(await appliedMigrations("dev")).toEqual([
      { migration_name: init, checksum, finished: true },
    ]);
    expect(await shadowDatabases()).toEqual([]);
  });

  it("migrate dev --name add_price creates a migration from a schema change", async () => {
    writeSchema(project, WIDGET_WITH_PRICE);
    await expectSuccess(await prisma(["migrate", "dev", "--name", "add_price"], "dev"));

    const names = migrationNames();
    expect(names).toHaveLength(2);
    expect(names[1]).toMatch(/_add_price$/);
    expect(migrationSql(names[1]!)).toMatch(/ALTER TABLE "Widget" ADD COLUMN\s+"price" INTEGER/);
    expect(await columns("dev", "Widget")).toEqual(["id", "name", "price"]);
    expect((await appliedMigrations("dev")).map((row) => row.migration_name)).toEqual(names);
    // The shadow database replay ran in a database of its own, dropped afterwards.
    expect(await shadowDatabases()).toEqual([]);
  });

  it("migrate status reports a pending migration, then up to date after migrate deploy ($$ body and ';' literal intact)", async () => {
    // Named like Prisma's own folders, ordered after add_price and before the next one.
    const stamp = new Date(Date.now() + 1000).toISOString().replace(/\D/g, "").slice(0, 14);
    const name = `${stamp}_plpgsql`;
    mkdirSync(path.join(project, "prisma/migrations", name));
    writeFileSync(
      path.join(project, "prisma/migrations", name, "migration.sql"),
      PLPGSQL_MIGRATION,
    );

    const pending = await prisma(["migrate", "status"], "dev");
    expect(pending.code).toBe(1);
    expect(pending.stdout).toContain("Following migration have not yet been applied:");
    expect(pending.stdout).toContain(name);

    await expectSuccess(await prisma(["migrate", "deploy"], "dev"));
    expect(await query("dev", "SELECT add_one(41) AS answer")).toEqual([{ answer: 42 }]);
    expect(await query("dev", 'SELECT "key", "value" FROM "Setting" ORDER BY "key"')).toEqual([
      { key: "quoted", value: "it's; fine" },
      { key: "separator", value: ";" },
    ]);

    const upToDate = await expectSuccess(await prisma(["migrate", "status"], "dev"));
    expect(upToDate.stdout).toContain("Database schema is up to date!");
  });

  it("migrate deploy applies every migration to an empty database", async () => {
    await postgres.createDatabase("deployed");
    const result = await expectSuccess(await prisma(["migrate", "deploy"], "deployed"));
    expect(result.stdout).toContain("All migrations have been successfully applied.");

    const rows = await appliedMigrations("deployed");
    expect(rows.map((row) => row.migration_name)).toEqual(migrationNames());
    expect(rows.every((row) => row.finished)).toBe(true);
    expect(await columns("deployed", "Widget")).toEqual(["id", "name", "price"]);
    expect(await query("deployed", "SELECT add_one(1) AS answer")).toEqual([{ answer: 2 }]);
  });

  it("migrate dev on a fresh database applies pending migrations, then creates the new one", async () => {
    // Fresh clone: the database does not exist yet (the CLI creates it through the bridge's
    // `cli create-database`), migrations are pending and the schema changed (pitfall 4).
    writeSchema(project, WIDGET_WITH_PRICE + SETTING + TAG);
    await expectSuccess(await prisma(["migrate", "dev", "--name", "add_tag"], "fresh"));

    const names = migrationNames();
    expect(names.at(-1)).toMatch(/_add_tag$/);
    expect(migrationSql(names.at(-1)!)).toContain('CREATE TABLE "Tag"');
    expect((await appliedMigrations("fresh")).map((row) => row.migration_name)).toEqual(names);
    expect(await columns("fresh", "Tag")).toEqual(["id", "label"]);
    expect(await shadowDatabases()).toEqual([]);
  });

  it("migrate diff prints the script through the engine's print request", async () => {
    // The wasm engine probes the datasource on start even for schema-only diffs: give it one.
    const result = await expectSuccess(
      await prisma(
        ["migrate", "diff", "--from-empty", "--to-schema", "prisma/schema.prisma", "--script"],
        "fresh",
      ),
    );
    expect(result.stdout).toContain('CREATE TABLE "Tag"');
  });

  it("generate works without DATABASE_URL", async () => {
    const result = await expectSuccess(await prisma(["generate"], undefined));
    expect(result.stdout).toContain("Generated Prisma Client");
    expect(existsSync(path.join(project, "generated/prisma/client.ts"))).toBe(true);
  });
});

describe("bridge `cli` commands", { timeout: TIMEOUT }, () => {
  const cli = (command: string, database: string) =>
    run(
      BRIDGE,
      ["--datasource", JSON.stringify({ url: postgres.urlFor(database) }), "cli", command],
      {
        cwd: ROOT,
        env: childEnv({}),
      },
    );

  it("reports a missing database as P1003 without leaking the password, and creates it", async () => {
    const missing = await cli("can-connect-to-database", "not_there");
    expect(missing.code).toBe(1);
    const lines = missing.stderr
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => JSON.parse(line) as unknown);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: "ERROR",
        target: "schema_engine::logger",
        fields: expect.objectContaining({ error_code: "P1003" }),
      }),
    );
    expect(missing.stderr).not.toContain("postgres:postgres@");

    expect((await cli("create-database", "not_there")).code).toBe(0);
    expect((await cli("can-connect-to-database", "not_there")).code).toBe(0);
    expect((await cli("drop-database", "not_there")).code).toBe(0);
    expect((await cli("can-connect-to-database", "not_there")).code).toBe(1);
  });

  it("answers --version with the engines commit of the bundled wasm", async () => {
    const result = await run(BRIDGE, ["--version"], { cwd: ROOT, env: childEnv({}) });
    expect(result.stdout).toMatch(/^schema-engine-cli [0-9a-f]{40}\n$/);
  });
});
