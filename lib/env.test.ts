import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkEnv, env, type EnvSource } from "@/lib/env";

/** A complete, valid production environment (live keys, as a real deployment has). */
const production = {
  NODE_ENV: "production",
  DATABASE_URL: "postgresql://app:db-password@db.example.com:5432/app",
  APP_URL: "https://app.example.com",
  AUTH_SECRET: "a-random-secret-of-at-least-32-characters",
  EMAIL_SERVER: "smtp://mailer:smtp-password@smtp.example.com:587",
  STRIPE_SECRET_KEY: "sk_live_51SecretLiveKey",
  STRIPE_WEBHOOK_SECRET: "whsec_secret",
} as const;

/** What `npm run test:e2e` gives `next build` / `next start` (scripts/e2e.ts, local-stripe.ts). */
const endToEnd = {
  NODE_ENV: "production",
  DATABASE_URL: "postgresql://postgres:postgres@localhost:54329/app",
  APP_URL: "http://localhost:41234",
  AUTH_SECRET: "a-random-secret-of-at-least-32-characters",
  EMAIL_OUTBOX: "1",
  STRIPE_SECRET_KEY: "sk_test_local_emulator",
  STRIPE_API_BASE: "http://localhost:41235",
  STRIPE_WEBHOOK_SECRET: "whsec_local_emulator_forwarding",
  STRIPE_API_BASE_ALLOW_IN_PRODUCTION: "1",
} as const;

const development = { DATABASE_URL: "postgresql://postgres@localhost:5432/app" } as const;

function problems(source: EnvSource): string[] {
  const result = checkEnv(source);
  return result.ok ? [] : result.problems;
}

function appUrl(source: EnvSource): string {
  const result = checkEnv(source);
  if (!result.ok)
    throw new Error(`expected a valid environment, got: ${result.problems.join(" | ")}`);
  return result.env.APP_URL;
}

describe("APP_URL", () => {
  it("defaults to http://localhost:3000 in development only", () => {
    expect(appUrl(development)).toBe("http://localhost:3000");
    expect(appUrl({ ...production, APP_URL: "https://app.example.com/" })).toBe(
      "https://app.example.com",
    );
  });

  it("follows PORT in development, so sign-in links and return URLs reach the app", () => {
    expect(appUrl({ ...development, PORT: "4000" })).toBe("http://localhost:4000");
    expect(appUrl({ ...development, PORT: "4000", APP_URL: "http://192.168.1.5:4000" })).toBe(
      "http://192.168.1.5:4000",
    );
  });

  it("is required in production (an empty value counts as unset)", () => {
    for (const missing of [undefined, ""]) {
      expect(problems({ ...production, APP_URL: missing })).toEqual([
        "APP_URL is required in production: set it to your site's https URL, e.g. " +
          "https://app.example.com (Vercel previews: APP_URL_FROM_VERCEL_PREVIEW=1; see README → Configuration).",
      ]);
    }
  });

  it("must be https in production", () => {
    expect(problems({ ...production, APP_URL: "http://app.example.com" })).toEqual([
      "APP_URL must be https in production, or cookies lose Secure: set it to " +
        "https://app.example.com (see README → Configuration).",
    ]);
  });

  it("may point at this machine in production only for a local `next start` (EMAIL_OUTBOX=1)", () => {
    expect(problems({ ...production, APP_URL: "http://localhost:3000" })).toEqual([
      "APP_URL is http://localhost:3000 in production, so sign-in links and Stripe return URLs " +
        "work only on this machine: set it to your site's https URL, or set EMAIL_OUTBOX=1 for a " +
        "local `next start` (see README → Configuration).",
    ]);
    // scripts/e2e.ts (localhost) and scripts/lib/bench/stack.ts (127.0.0.1) run exactly this.
    expect(appUrl(endToEnd)).toBe("http://localhost:41234");
    expect(appUrl({ ...endToEnd, APP_URL: "http://127.0.0.1:41234" })).toBe(
      "http://127.0.0.1:41234",
    );
  });

  it("never points at localhost on a Vercel deployment", () => {
    expect(problems({ ...endToEnd, VERCEL: "1" })).toEqual([
      "APP_URL is http://localhost:41234 on a Vercel deployment: set it to the deployment's " +
        "https URL (previews: APP_URL_FROM_VERCEL_PREVIEW=1; see README → Configuration).",
    ]);
  });

  it("refuses the local outbox with a public APP_URL in production", () => {
    expect(problems({ ...production, EMAIL_OUTBOX: "1" })).toEqual([
      "EMAIL_OUTBOX=1 is only for a local `next start` (APP_URL is https://app.example.com): " +
        "sign-in links would never be emailed; unset it and set EMAIL_SERVER (see README → Configuration).",
    ]);
  });

  describe("on Vercel preview deployments", () => {
    const preview = {
      ...production,
      APP_URL: undefined,
      VERCEL: "1",
      VERCEL_ENV: "preview",
      VERCEL_URL: "saas-7f3k2-team.vercel.app",
      VERCEL_BRANCH_URL: "saas-git-feature-team.vercel.app",
    };

    it("is derived from Vercel's variables only when the founder opts in", () => {
      expect(problems(preview)).toEqual([
        expect.stringMatching(/^APP_URL is required in production: /),
      ]);
      expect(appUrl({ ...preview, APP_URL_FROM_VERCEL_PREVIEW: "1" })).toBe(
        "https://saas-git-feature-team.vercel.app",
      );
      expect(
        appUrl({ ...preview, APP_URL_FROM_VERCEL_PREVIEW: "1", VERCEL_BRANCH_URL: undefined }),
      ).toBe("https://saas-7f3k2-team.vercel.app");
    });

    it("replaces an APP_URL set for all environments once opted in", () => {
      const everywhere = { ...preview, APP_URL: "https://app.example.com" };
      expect(appUrl(everywhere)).toBe("https://app.example.com");
      expect(appUrl({ ...everywhere, APP_URL_FROM_VERCEL_PREVIEW: "1" })).toBe(
        "https://saas-git-feature-team.vercel.app",
      );
    });

    it("is not derived on production deployments, even with the opt-in", () => {
      expect(
        problems({ ...preview, VERCEL_ENV: "production", APP_URL_FROM_VERCEL_PREVIEW: "1" }),
      ).toEqual([expect.stringMatching(/^APP_URL is required in production: /)]);
    });

    it("says what to do when Vercel did not expose its variables", () => {
      expect(
        problems({
          ...preview,
          APP_URL_FROM_VERCEL_PREVIEW: "1",
          VERCEL_URL: undefined,
          VERCEL_BRANCH_URL: undefined,
        }),
      ).toEqual([
        "APP_URL_FROM_VERCEL_PREVIEW=1 but Vercel set neither VERCEL_BRANCH_URL nor VERCEL_URL: " +
          'turn on "Automatically expose System Environment Variables" in the project\'s settings, ' +
          "or set APP_URL (see README → Configuration).",
      ]);
      expect(
        problems({ ...preview, APP_URL_FROM_VERCEL_PREVIEW: "1", VERCEL_BRANCH_URL: "a/b?c" }),
      ).toEqual([expect.stringMatching(/^APP_URL_FROM_VERCEL_PREVIEW=1 but VERCEL_BRANCH_URL /)]);
    });

    it("accepts only 0 or 1 as the opt-in", () => {
      expect(problems({ ...preview, APP_URL_FROM_VERCEL_PREVIEW: "true" })).toContain(
        'Invalid environment variable APP_URL_FROM_VERCEL_PREVIEW: expected "1" (on) or "0" (off)',
      );
    });
  });
});

describe("DATABASE_POOL_SIZE", () => {
  function poolSize(source: EnvSource): number {
    const result = checkEnv(source);
    if (!result.ok) throw new Error(result.problems.join(" | "));
    return result.env.DATABASE_POOL_SIZE;
  }

  it("suits serverless on Vercel (3 per instance) and a long-running server elsewhere (10)", () => {
    const vercel = { ...production, VERCEL: "1", VERCEL_ENV: "production" };
    expect(poolSize(vercel)).toBe(3);
    expect(poolSize(production)).toBe(10);
    expect(poolSize(development)).toBe(10);
    expect(poolSize({ ...vercel, DATABASE_POOL_SIZE: "5" })).toBe(5);
  });
});

describe("STRIPE_API_BASE", () => {
  const testKeyProduction = { ...production, STRIPE_SECRET_KEY: "sk_test_51TestKey" };

  it("is refused in production unless STRIPE_API_BASE_ALLOW_IN_PRODUCTION=1", () => {
    expect(
      problems({
        ...testKeyProduction,
        STRIPE_API_BASE: "https://user:pw@stripe-mock.example.com",
      }),
    ).toEqual([
      "STRIPE_API_BASE is set in production (https://stripe-mock.example.com), so " +
        "STRIPE_SECRET_KEY would be sent there: unset it to use api.stripe.com, or set " +
        "STRIPE_API_BASE_ALLOW_IN_PRODUCTION=1 if this build is meant to use it, e.g. end-to-end " +
        "tests (see README → Configuration).",
    ]);
    const withoutOptIn = { ...endToEnd, STRIPE_API_BASE_ALLOW_IN_PRODUCTION: undefined };
    expect(problems(withoutOptIn)).toEqual([
      expect.stringMatching(/^STRIPE_API_BASE is set in production \(http:\/\/localhost:41235\)/),
    ]);
    expect(problems(endToEnd)).toEqual([]);
  });

  it("is accepted in development (the emulator) with a test key", () => {
    expect(
      problems({
        ...development,
        STRIPE_SECRET_KEY: "sk_test_local_emulator",
        STRIPE_API_BASE: "http://localhost:12111",
      }),
    ).toEqual([]);
  });

  it("never receives a live key unless it is an https stripe.com URL or opted in", () => {
    const message =
      "STRIPE_API_BASE (http://localhost:12111) is not an https stripe.com URL, and " +
      "STRIPE_SECRET_KEY is a live key: unset STRIPE_API_BASE, or set " +
      "STRIPE_API_BASE_ALLOW_LIVE_KEY=1 if that host is yours and relays to Stripe (see README → Configuration).";
    for (const key of ["sk_live_51SecretLiveKey", "rk_live_51RestrictedKey"]) {
      const local = { STRIPE_SECRET_KEY: key, STRIPE_API_BASE: "http://localhost:12111" };
      expect(problems({ ...development, ...local })).toEqual([message]);
      // The production opt-in is not enough for a live key.
      expect(problems({ ...endToEnd, ...local })).toEqual([message]);
      expect(problems({ ...development, ...local, STRIPE_API_BASE_ALLOW_LIVE_KEY: "1" })).toEqual(
        [],
      );
    }
    for (const base of ["http://api.stripe.com", "https://api.stripe.com.evil.example"]) {
      expect(
        problems({ ...development, STRIPE_SECRET_KEY: "sk_live_51x", STRIPE_API_BASE: base }),
      ).toEqual([expect.stringMatching(/^STRIPE_API_BASE \(.*\) is not an https stripe\.com URL/)]);
    }
    expect(
      problems({
        ...development,
        STRIPE_SECRET_KEY: "sk_live_51x",
        STRIPE_API_BASE: "https://api.stripe.com",
      }),
    ).toEqual([]);
  });
});

describe("problems", () => {
  it("are all reported at once, one line each, without secrets", () => {
    const found = problems({
      ...production,
      APP_URL: undefined,
      AUTH_SECRET: undefined,
      EMAIL_SERVER: undefined,
      STRIPE_API_BASE: "http://localhost:12111",
    });
    expect(found).toHaveLength(5);
    // Each line starts by naming its variable.
    const named = (line: string) =>
      /^(?:Invalid environment variable )?([A-Z_]+)/.exec(line)?.[1] ?? line;
    expect(found.map(named)).toEqual([
      "AUTH_SECRET",
      "APP_URL",
      "EMAIL_SERVER",
      "STRIPE_API_BASE",
      "STRIPE_API_BASE",
    ]);
    for (const line of found) {
      expect(line).not.toMatch(/\n/);
      expect(line).not.toMatch(/password|SecretLiveKey|whsec_secret/);
    }
  });

  it("leave the app's `env` as before: the validated values of this process", () => {
    const result = checkEnv(process.env);
    expect(result.ok).toBe(true);
    expect(env.APP_URL).toBe(result.ok && result.env.APP_URL);
    expect(env.DATABASE_POOL_SIZE).toBe(result.ok && result.env.DATABASE_POOL_SIZE);
  });

  it("stop a script at start with just those lines and exit code 1", () => {
    const root = path.resolve(import.meta.dirname, "..");
    const tsx = path.join(root, "node_modules", "tsx", "dist", "cli.mjs");
    const child = spawnSync(process.execPath, [tsx, path.join(root, "lib", "env.ts")], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: "production",
        DATABASE_URL: production.DATABASE_URL,
        AUTH_SECRET: production.AUTH_SECRET,
        EMAIL_SERVER: production.EMAIL_SERVER,
        STRIPE_SECRET_KEY: production.STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET: production.STRIPE_WEBHOOK_SECRET,
      },
    });
    expect(child.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^APP_URL is required in production: /),
    ]);
    expect(child.status).toBe(1);
  });
});
