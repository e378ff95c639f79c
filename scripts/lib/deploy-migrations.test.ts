/** Which Vercel builds migrate, and through which URL (`npm run build:vercel`). */
import { describe, expect, it } from "vitest";
import { planDeployMigrations } from "./deploy-migrations";

const pooled = "postgresql://app:pw@ep-cool-name-123-pooler.eu-central-1.aws.neon.tech/app";
const direct = "postgresql://app:pw@ep-cool-name-123.eu-central-1.aws.neon.tech/app";

describe("a Vercel build", () => {
  it("in production migrates through the direct URL, never the pooled one", () => {
    expect(
      planDeployMigrations({
        VERCEL_ENV: "production",
        DATABASE_URL: pooled,
        DATABASE_URL_UNPOOLED: direct,
      }),
    ).toEqual({ kind: "migrate", url: direct, variable: "DATABASE_URL_UNPOOLED" });
    expect(
      planDeployMigrations({
        VERCEL_ENV: "production",
        DATABASE_URL: pooled,
        DIRECT_DATABASE_URL: direct,
      }),
    ).toMatchObject({ kind: "migrate", url: direct });
  });

  it("in production with only a pooled URL refuses, naming the variable to set", () => {
    for (const url of [
      pooled,
      "postgresql://u:p@db.supabase.co:6543/postgres",
      `${direct}?pgbouncer=true`,
    ]) {
      const plan = planDeployMigrations({ VERCEL_ENV: "production", DATABASE_URL: url });
      expect(plan).toMatchObject({ kind: "refuse" });
      expect(plan.kind === "refuse" && plan.problem).toMatch(/set DATABASE_URL_UNPOOLED/);
    }
  });

  it("in production with one direct DATABASE_URL migrates through it", () => {
    expect(planDeployMigrations({ VERCEL_ENV: "production", DATABASE_URL: direct })).toEqual({
      kind: "migrate",
      url: direct,
      variable: "DATABASE_URL",
    });
  });

  it("for a preview skips migrations, even with production's URLs, unless previews have their own database", () => {
    const preview = { VERCEL_ENV: "preview", DATABASE_URL: pooled, DATABASE_URL_UNPOOLED: direct };
    const plan = planDeployMigrations(preview);
    expect(plan.kind).toBe("skip");
    expect(plan.kind === "skip" && plan.reason).toMatch(/never changes the production database/);
    expect(planDeployMigrations({ ...preview, PREVIEW_MIGRATIONS: "1" })).toMatchObject({
      kind: "migrate",
      url: direct,
    });
    expect(planDeployMigrations({ ...preview, PREVIEW_MIGRATIONS: "true" })).toEqual({
      kind: "refuse",
      problem: 'PREVIEW_MIGRATIONS: expected "1" (on) or "0" (off)',
    });
  });

  it("outside Vercel's production and preview does not migrate, and a bad URL is refused", () => {
    expect(planDeployMigrations({ DATABASE_URL: direct }).kind).toBe("skip");
    expect(planDeployMigrations({ VERCEL_ENV: "development", DATABASE_URL: direct }).kind).toBe(
      "skip",
    );
    expect(planDeployMigrations({ VERCEL_ENV: "production" })).toMatchObject({ kind: "refuse" });
    expect(
      planDeployMigrations({ VERCEL_ENV: "production", DATABASE_URL_UNPOOLED: "mysql://x@y/z" }),
    ).toEqual({
      kind: "refuse",
      problem: "DATABASE_URL_UNPOOLED is not a postgres:// or postgresql:// URL",
    });
  });
});
