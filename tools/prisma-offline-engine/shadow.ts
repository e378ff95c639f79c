import { randomUUID } from "node:crypto";
import pg from "pg";
import { quoteIdentifier, toPgConnectionString, withDatabase } from "./urls";

/** Shadow databases created by this process and not yet dropped (cleaned up on exit). */
const live = new Map<string, string>();

async function onServer<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: toPgConnectionString(url) });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export type ShadowDatabase = { url: string; drop(): Promise<void> };

/**
 * A temporary database on the main server, like the native engine's
 * `prisma_migrate_shadow_db_<uuid>`, with a URL of its own (pitfall 3).
 */
export async function createShadowDatabase(mainUrl: string): Promise<ShadowDatabase> {
  const name = `prisma_migrate_shadow_db_${randomUUID()}`;
  await onServer(mainUrl, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}`));
  live.set(name, mainUrl);
  return {
    url: withDatabase(mainUrl, name),
    async drop() {
      if (!live.delete(name)) return;
      await onServer(mainUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`),
      );
    },
  };
}

/** Drops shadow databases whose adapter was never disposed (e.g. the engine failed mid-way). */
export async function dropLeftoverShadowDatabases(): Promise<void> {
  for (const [name, mainUrl] of [...live]) {
    live.delete(name);
    await onServer(mainUrl, async (client) => {
      const drop = `DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`;
      // WITH (FORCE) (Postgres 13+) also ends connections still open on it.
      await client.query(`${drop} WITH (FORCE)`).catch(() => client.query(drop));
    }).catch(() => undefined);
  }
}
