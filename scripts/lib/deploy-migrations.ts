/**
 * Whether a Vercel build applies migrations, and through which URL (`npm run build:vercel`).
 * Production builds migrate through the direct (unpooled) URL: `prisma migrate` takes a
 * session-level advisory lock, which a transaction-mode pooler does not keep. Preview builds never
 * migrate unless the founder says previews have a database of their own: a preview would
 * otherwise change the production database before the code that needs it is live.
 */
import { z } from "zod";

type Env = Readonly<Record<string, string | undefined>>;

export type MigrationPlan =
  | { kind: "migrate"; url: string; variable: string }
  | { kind: "skip"; reason: string }
  | { kind: "refuse"; problem: string };

/** Direct-URL variables, first set wins: Vercel's Neon integration's name, then ours. */
export const DIRECT_URL_VARIABLES = ["DATABASE_URL_UNPOOLED", "DIRECT_DATABASE_URL"] as const;

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/[^/]+/, "expected a postgres:// or postgresql:// URL");

/** Hosts and ports of the poolers founders meet on Vercel: Neon's -pooler, Supabase's 6543. */
function looksPooled(url: string): boolean {
  try {
    const { hostname, port, searchParams } = new URL(url);
    return hostname.includes("-pooler") || port === "6543" || searchParams.has("pgbouncer");
  } catch {
    return false;
  }
}

export function planDeployMigrations(env: Env): MigrationPlan {
  const stage = env.VERCEL_ENV;
  if (env.PREVIEW_MIGRATIONS && !["0", "1"].includes(env.PREVIEW_MIGRATIONS)) {
    return { kind: "refuse", problem: 'PREVIEW_MIGRATIONS: expected "1" (on) or "0" (off)' };
  }
  if (stage === "preview" && env.PREVIEW_MIGRATIONS !== "1") {
    return {
      kind: "skip",
      reason:
        "preview build: migrations skipped, so a preview never changes the production database " +
        "(previews with a database of their own, such as Neon preview branches: set " +
        "PREVIEW_MIGRATIONS=1 in the Preview environment)",
    };
  }
  if (stage !== "production" && stage !== "preview") {
    return {
      kind: "skip",
      reason: `not a Vercel production or preview build (VERCEL_ENV=${stage ?? "unset"}): migrations skipped (npm run db:deploy applies them)`,
    };
  }
  const direct = DIRECT_URL_VARIABLES.find((name) => env[name]);
  const variable = direct ?? "DATABASE_URL";
  const url = env[variable];
  if (!url) {
    return { kind: "refuse", problem: "DATABASE_URL is not set: nothing to migrate or serve" };
  }
  if (!postgresUrl.safeParse(url).success) {
    return { kind: "refuse", problem: `${variable} is not a postgres:// or postgresql:// URL` };
  }
  if (!direct && looksPooled(url)) {
    return {
      kind: "refuse",
      problem:
        "DATABASE_URL is a pooled URL and no direct one is set: set DATABASE_URL_UNPOOLED to the " +
        "database's direct URL (prisma migrate cannot run through a transaction-mode pooler)",
    };
  }
  return { kind: "migrate", url, variable };
}
