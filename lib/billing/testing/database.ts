import pg from "pg";
import { inject } from "vitest";

/**
 * A private database for one test file, copied from the run's migrated template (fast: no
 * migrations). Files that run the sync drain need one: the drain claims any customer waiting in
 * its database, and another file's customers live in another file's emulator. The URL goes
 * through the same pooler as the run's `databaseUrl` (PgBouncer routes any database name).
 */
export async function createPrivateDatabase(
  label: string,
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${label.replace(/\W/g, "_")}_${process.pid}_${Date.now()}`.toLowerCase();
  const direct = inject("directDatabaseUrl");
  const admin = new pg.Client(direct);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${inject("templateDatabase")}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(inject("databaseUrl"), name),
    name,
    async drop() {
      const client = new pg.Client(direct);
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
