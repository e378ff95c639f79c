import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// lib/env reads the environment at import: a test-mode key, no Stripe call is made here.
process.env.STRIPE_SECRET_KEY ??= "sk_test_rate_limit_unit";

let rateLimit: typeof import("./rate-limit");
let db: typeof import("./db").db;

beforeAll(async () => {
  rateLimit = await import("./rate-limit");
  ({ db } = await import("./db"));
});

afterEach(() => {
  vi.doUnmock("@/lib/billing/sync/reconcile");
  vi.resetModules();
});

const uniqueKey = (label: string) => `test-${label}:${randomUUID()}`;

describe("consumeRateLimit (fixed window in Postgres)", () => {
  it("allows `limit` hits per window, says when the window ends, and starts again after it", async () => {
    const key = uniqueKey("window");
    const start = new Date("2026-12-02T10:00:00.000Z");
    const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);
    const options = { limit: 3, windowSeconds: 600 };
    const results = [];
    for (let i = 0; i < 4; i++)
      results.push(await rateLimit.consumeRateLimit(key, options, at(60)));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results[3]!.retryAfterSeconds).toBe(540);
    expect((await rateLimit.consumeRateLimit(key, options, at(600))).allowed).toBe(true);
  });

  it("counts every one of many concurrent hits (one atomic statement each)", async () => {
    const key = uniqueKey("concurrent");
    const now = new Date();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        rateLimit.consumeRateLimit(key, { limit: 5, windowSeconds: 60 }, now),
      ),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
  });
});

describe("pruning", () => {
  async function seed() {
    const now = new Date();
    const oldKey = uniqueKey("old");
    const recentKey = uniqueKey("recent");
    await rateLimit.consumeRateLimit(
      oldKey,
      { limit: 1, windowSeconds: 60 },
      new Date(now.getTime() - 25 * 3_600_000),
    );
    await rateLimit.consumeRateLimit(
      recentKey,
      { limit: 1, windowSeconds: 600 },
      new Date(now.getTime() - 3_600_000),
    );
    const remaining = async () =>
      (await db.rateLimitHit.findMany({ where: { key: { in: [oldKey, recentKey] } } })).map(
        (row) => row.key,
      );
    return { oldKey, recentKey, remaining };
  }

  it("drops windows older than a day and keeps recent ones", async () => {
    const { recentKey, remaining } = await seed();
    expect(await remaining()).toHaveLength(2);
    expect(await rateLimit.pruneExpiredRateLimits()).toBeGreaterThanOrEqual(1);
    expect(await remaining()).toEqual([recentKey]);
  });

  it("runs from the daily reconcile cron, whatever the billing walk does", async () => {
    vi.resetModules();
    vi.doMock("@/lib/billing/sync/reconcile", () => ({
      reconcileBilling: async () => ({
        mode: "test",
        total: 0,
        checked: 0,
        changed: 0,
        unchanged: 0,
        adopted: 0,
        skipped: 0,
        failed: 0,
        redriven: 0,
        drained: 0,
        pruned: 0,
        stoppedEarly: false,
        customers: [],
      }),
    }));
    const { handleReconcileCron } = await import("@/app/api/cron/reconcile/handler");
    const { recentKey, remaining } = await seed();
    const secret = "cron-secret-for-tests-0123456789abcdef";
    const response = await handleReconcileCron(
      new Request("http://localhost:3000/api/cron/reconcile", {
        headers: { authorization: `Bearer ${secret}` },
      }),
      secret,
    );
    expect(response.status).toBe(200);
    expect(
      ((await response.json()) as { rateLimitsPruned: number }).rateLimitsPruned,
    ).toBeGreaterThanOrEqual(1);
    expect(await remaining()).toEqual([recentKey]);
  });
});
