import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";

// lib/env reads the environment at import: a test-mode key, no Stripe call is made here.
process.env.STRIPE_SECRET_KEY ??= "sk_test_api_keys_unit";

let apiKeys: typeof import("./api-keys");
let db: typeof import("./db").db;
let createTestUser: typeof import("./billing/testing/users").createTestUser;
let EntitlementError: typeof import("./billing/access/entitlements").EntitlementError;

beforeAll(async () => {
  apiKeys = await import("./api-keys");
  ({ db } = await import("./db"));
  ({ createTestUser } = await import("./billing/testing/users"));
  ({ EntitlementError } = await import("./billing/access/entitlements"));
});

/** A synced subscription row, as the webhook sync would write it. */
async function giveSubscription(userId: string, planKey: string, status: string) {
  const customerId = `cus_${randomUUID().replaceAll("-", "")}`;
  await db.billingCustomer.create({ data: { id: customerId, userId, livemode: false } });
  return db.subscription.create({
    data: {
      id: `sub_${randomUUID().replaceAll("-", "")}`,
      userId,
      stripeCustomerId: customerId,
      status,
      planKey,
      priceLookupKey: `${planKey}_monthly`,
      interval: "month",
      livemode: false,
      stripeCreatedAt: new Date(),
    },
  });
}

const bearer = (secret: string) => `Bearer ${secret}`;

describe("API keys (the paid feature)", () => {
  it("cannot be created on the Free plan, whatever the page showed", async () => {
    const user = await createTestUser("free");
    await expect(apiKeys.createApiKey(user.id, "ci")).rejects.toBeInstanceOf(EntitlementError);
    expect(await db.apiKey.count({ where: { userId: user.id } })).toBe(0);
  });

  it("works on Pro, stores only a hash, and stops working after a downgrade", async () => {
    const user = await createTestUser("pro");
    const subscription = await giveSubscription(user.id, "pro", "active");
    const { secret } = await apiKeys.createApiKey(user.id, "ci");
    expect(secret).toMatch(/^bdr_/);
    const stored = await db.apiKey.findFirstOrThrow({ where: { userId: user.id } });
    expect(stored.hashedKey).not.toContain(secret);

    expect(await apiKeys.authenticateApiKey(bearer(secret))).toEqual({
      ok: true,
      userId: user.id,
      email: user.email,
      plan: "Pro",
    });

    await db.subscription.update({ where: { id: subscription.id }, data: { status: "canceled" } });
    expect(await apiKeys.authenticateApiKey(bearer(secret))).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it("refuses revoked, unknown and malformed keys", async () => {
    const user = await createTestUser("revoke");
    await giveSubscription(user.id, "team", "trialing");
    const { secret } = await apiKeys.createApiKey(user.id, "laptop");
    const [key] = await apiKeys.listApiKeys(user.id);
    const other = await createTestUser("other");
    // Another user's id cannot revoke it.
    expect(await apiKeys.revokeApiKey(other.id, key!.id)).toBe(false);
    expect(await apiKeys.revokeApiKey(user.id, key!.id)).toBe(true);

    for (const header of [bearer(secret), bearer("bdr_unknownunknownunknown"), "Basic abc", null]) {
      expect(await apiKeys.authenticateApiKey(header)).toMatchObject({ ok: false, status: 401 });
    }
  });
});

describe("the plan's key cap under concurrency", () => {
  it("20 simultaneous creations on Pro (cap 5) make exactly 5 keys", async () => {
    const user = await createTestUser("race");
    await giveSubscription(user.id, "pro", "active");
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => apiKeys.createApiKey(user.id, `key ${i}`)),
    );
    const created = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter(
      (r) => r.status === "rejected" && r.reason instanceof apiKeys.ApiKeyLimitError,
    );
    expect({ created: created.length, refused: refused.length }).toEqual({
      created: 5,
      refused: 15,
    });
    expect(await db.apiKey.count({ where: { userId: user.id, revokedAt: null } })).toBe(5);

    // A revoked key frees its slot again; the cap still holds afterwards.
    const [newest] = await apiKeys.listApiKeys(user.id);
    await apiKeys.revokeApiKey(user.id, newest!.id);
    const again = await Promise.allSettled(
      Array.from({ length: 4 }, () => apiKeys.createApiKey(user.id, "again")),
    );
    expect(again.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db.apiKey.count({ where: { userId: user.id, revokedAt: null } })).toBe(5);
  });
});
