import { db } from "@/lib/db";

export type RateLimitResult = { allowed: boolean; retryAfterSeconds: number };

/**
 * Fixed-window counter in Postgres, so the limit holds across every server instance (an
 * in-memory counter would not on serverless hosts). One statement: insert or increment, atomically.
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

/** Drops windows that ended long ago; cheap enough to run now and then. */
export async function pruneRateLimits(olderThan: Date): Promise<void> {
  await db.rateLimitHit.deleteMany({ where: { windowStart: { lt: olderThan } } });
}
