import { createHash, randomBytes } from "node:crypto";
import { getEntitlements, requireFeature } from "@/lib/billing/access/entitlements";
import { db } from "@/lib/db";

/** The paid feature that API keys belong to (see the catalog). */
export const API_KEYS_FEATURE = "api_access" as const;
const KEY_PREFIX = "bdr_";

/** The user already has the most active keys their plan allows (`limits.apiKeys`). */
export class ApiKeyLimitError extends Error {
  constructor(
    readonly limit: number,
    planName: string,
  ) {
    super(`Your ${planName} plan allows ${limit} active keys. Revoke one first.`);
    this.name = "ApiKeyLimitError";
  }
}

function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/**
 * Creates a key for the user. The plan is checked here, on the server, whatever the page showed.
 * The secret is returned once and only its hash is stored.
 *
 * The cap holds under concurrent requests: the count and the insert run in one transaction that
 * first locks the user's row, so a second creation for the same user waits for the first to
 * commit and then counts its key. (A single `INSERT ... SELECT ... WHERE count < cap` would not
 * do: each statement counts from its own snapshot, so two of them both see room for one more.)
 * The lock is a row lock, released at commit, so it is safe through a transaction-mode pooler
 * (PgBouncer, Neon, Supabase), unlike a session-level advisory lock. `FOR NO KEY UPDATE` does not
 * block inserts elsewhere that reference the user (sessions, subscriptions), only other key
 * creations for the same user.
 */
export async function createApiKey(userId: string, name: string): Promise<{ secret: string }> {
  const { limits, plan } = await requireFeature(userId, API_KEYS_FEATURE);
  const secret = KEY_PREFIX + randomBytes(24).toString("base64url");
  await db.$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM "User" WHERE "id" = ${userId} FOR NO KEY UPDATE`;
      const active = await tx.apiKey.count({ where: { userId, revokedAt: null } });
      if (active >= limits.apiKeys) throw new ApiKeyLimitError(limits.apiKeys, plan.name);
      await tx.apiKey.create({
        data: { userId, name, prefix: secret.slice(0, 10), hashedKey: hashKey(secret) },
      });
    },
    // Creations for one user queue on the lock; each holds it for three short statements.
    { maxWait: 10_000, timeout: 10_000 },
  );
  return { secret };
}

export function listApiKeys(userId: string) {
  return db.apiKey.findMany({
    where: { userId, revokedAt: null },
    orderBy: { createdAt: "desc" },
    select: { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true },
  });
}

/** Revokes one of the user's own keys (the id from the form is matched with the user id). */
export async function revokeApiKey(userId: string, keyId: string): Promise<boolean> {
  const result = await db.apiKey.updateMany({
    where: { id: keyId, userId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return result.count > 0;
}

export type ApiKeyAuth =
  | { ok: true; userId: string; email: string; plan: string }
  | { ok: false; status: 401 | 403; error: string };

/**
 * Authenticates an `Authorization: Bearer bdr_...` header. A valid key of a user whose plan no
 * longer includes API access is refused (403): downgrading really removes the feature.
 */
export async function authenticateApiKey(header: string | null): Promise<ApiKeyAuth> {
  const secret = header?.match(/^Bearer\s+(bdr_[A-Za-z0-9_-]{10,100})$/)?.[1];
  if (!secret) return { ok: false, status: 401, error: "Missing or malformed API key." };
  const key = await db.apiKey.findUnique({
    where: { hashedKey: hashKey(secret) },
    select: { id: true, revokedAt: true, user: { select: { id: true, email: true } } },
  });
  if (!key || key.revokedAt) return { ok: false, status: 401, error: "Invalid API key." };
  const entitlements = await getEntitlements(key.user.id);
  if (!entitlements.features.has(API_KEYS_FEATURE)) {
    return {
      ok: false,
      status: 403,
      error: `API access is not included in the ${entitlements.plan.name} plan.`,
    };
  }
  await db.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: new Date() } });
  return { ok: true, userId: key.user.id, email: key.user.email, plan: entitlements.plan.name };
}
