import { Client } from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../scripts/lib/embedded-postgres";
import { startPgBouncer } from "../scripts/lib/pgbouncer";
import { migrateDeploy } from "../scripts/lib/prisma-cli";

declare module "vitest" {
  export interface ProvidedContext {
    /** What the app under test connects to (DATABASE_URL): direct, or through the pooler. */
    databaseUrl: string;
    /** The Postgres server itself, never pooled: for migrations, CREATE DATABASE, test setup. */
    directDatabaseUrl: string;
    /** A pristine migrated database to copy (CREATE DATABASE ... TEMPLATE): nobody connects to it. */
    templateDatabase: string;
  }
}

/**
 * A throwaway, migrated Postgres for the whole test run: never the developer's dev data. With
 * TEST_DATABASE_POOLER=pgbouncer the app's URL goes through a transaction-mode PgBouncer, like a
 * Neon / Supabase / Vercel deployment's pooled URL; migrations always use the direct one.
 */
export default async function setup(project: TestProject) {
  const pooler = process.env.TEST_DATABASE_POOLER ?? "";
  if (pooler !== "" && pooler !== "pgbouncer") {
    throw new Error(
      `TEST_DATABASE_POOLER=${pooler} is not supported (use "pgbouncer" or unset it).`,
    );
  }
  const pg = await startEmbeddedPostgres();
  try {
    await migrateDeploy(pg.url);
    project.provide("directDatabaseUrl", pg.url);
    project.provide("templateDatabase", await copyAsTemplate(pg.url));
    if (pooler !== "pgbouncer") {
      project.provide("databaseUrl", pg.url);
      return () => pg.stop();
    }
    const bouncer = await startPgBouncer(pg.url);
    project.provide("databaseUrl", bouncer.url);
    return async () => {
      await bouncer.stop();
      await pg.stop();
    };
  } catch (error) {
    await pg.stop();
    throw error;
  }
}

/** Copies the freshly migrated database while nothing is connected to it yet. */
async function copyAsTemplate(url: string): Promise<string> {
  const source = decodeURIComponent(new URL(url).pathname.slice(1));
  const template = `${source}_template`;
  const admin = new Client(url.replace(/\/[^/?]+(\?|$)/, "/postgres$1"));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${template}" TEMPLATE "${source}"`);
  } finally {
    await admin.end();
  }
  return template;
}
