// The app's Postgres sessions while load runs: sampled from pg_stat_activity, summarized for tables.
import type { Lib } from "./context";
import { num } from "./report";
import type { ActivitySummary, PgActivity } from "./sampler";

/** The app's Postgres sessions right now: running a statement, waiting on a lock, on I/O. */
export async function pgActivity(lib: Lib): Promise<PgActivity> {
  const [row] = await lib.db.$queryRawUnsafe<PgActivity[]>(
    `SELECT count(*) FILTER (WHERE state = 'active')::int AS "active",
       count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS "lockWaits",
       count(*) FILTER (WHERE wait_event_type = 'IO')::int AS "ioWaits",
       coalesce(array_agg(wait_event_type || ':' || wait_event)
         FILTER (WHERE state = 'active' AND wait_event IS NOT NULL), '{}') AS "waits"
     FROM pg_stat_activity
     WHERE datname = current_database() AND backend_type = 'client backend'
       AND pid <> pg_backend_pid()`,
  );
  return row ?? { active: 0, lockWaits: 0, ioWaits: 0, waits: [] };
}

export function pgSummary(pg: ActivitySummary): string {
  if (pg.samples === 0) return "n/a";
  const waits = pg.topWaits.map((w) => `${w.event} ${(w.share * 100).toFixed(0)}%`).join(", ");
  return (
    `${num(pg.meanActive, 1)} (max ${pg.maxActive}) / ${num(pg.meanLockWaits, 1)} (max ${pg.maxLockWaits}) / ` +
    `${num(pg.meanIoWaits, 1)} (max ${pg.maxIoWaits})${waits ? `; ${waits}` : ""}`
  );
}
