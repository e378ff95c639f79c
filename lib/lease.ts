import { randomUUID } from "node:crypto";
import { db } from "@/lib/db";

/**
 * Named locks held in a row (the `Lease` table), not in a connection: safe to hold across a
 * Stripe call, and they work through a transaction-mode pooler, where session advisory locks do
 * not. A holder that dies loses its lease when `ttlMs` runs out.
 */

/** The lease stayed taken for as long as the caller was willing to wait. */
export class LeaseBusyError extends Error {
  constructor(readonly key: string) {
    super(`Lease ${key} is held by someone else.`);
    this.name = "LeaseBusyError";
  }
}

type LeaseOptions = {
  /** How long the lease lasts if the holder never releases it. */
  ttlMs?: number;
  /** How long to wait for a taken lease before LeaseBusyError; 0 tries once. */
  waitMs?: number;
};

/** Runs `fn` while holding the lease `key`, released afterwards whatever `fn` does. */
export async function withLease<T>(
  key: string,
  fn: () => Promise<T>,
  { ttlMs = 60_000, waitMs = 30_000 }: LeaseOptions = {},
): Promise<T> {
  const holder = randomUUID();
  const giveUpAt = Date.now() + waitMs;
  for (let pause = 20; !(await tryAcquire(key, holder, ttlMs)); pause = Math.min(pause * 2, 250)) {
    if (Date.now() + pause > giveUpAt) throw new LeaseBusyError(key);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  try {
    return await fn();
  } finally {
    await db.$executeRaw`DELETE FROM "Lease" WHERE "key" = ${key} AND "holder" = ${holder}`;
  }
}

async function tryAcquire(key: string, holder: string, ttlMs: number): Promise<boolean> {
  // Takes a free key, or one whose holder's time ran out; one statement, so no race.
  const rows = await db.$queryRaw<{ holder: string }[]>`
    INSERT INTO "Lease" ("key", "holder", "expiresAt")
    VALUES (${key}, ${holder}, (now() AT TIME ZONE 'UTC') + ${ttlMs}::float8 * interval '1 millisecond')
    ON CONFLICT ("key") DO UPDATE SET "holder" = EXCLUDED."holder", "expiresAt" = EXCLUDED."expiresAt"
      WHERE "Lease"."expiresAt" < (now() AT TIME ZONE 'UTC')
    RETURNING "holder"`;
  return rows[0]?.holder === holder;
}
