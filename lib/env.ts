import { createEnv } from "@t3-oss/env-nextjs";
import { z } from "zod";

/**
 * Every environment variable the app reads, validated once. `next.config.ts` imports this file,
 * so `next dev`, `next build` and `next start` stop at launch with one line per bad variable.
 * `.env.example` documents each of them.
 */

const postgresUrl = z
  .url({ message: "expected a postgres:// or postgresql:// URL" })
  .refine((v) => /^postgres(ql)?:\/\//.test(v), "expected a postgres:// or postgresql:// URL");

const httpUrl = z
  .url({ message: "expected an absolute http(s) URL such as http://localhost:3000" })
  .refine((v) => /^https?:\/\//.test(v), "expected an absolute http(s) URL")
  .transform((v) => v.replace(/\/+$/, ""));

const isProduction = process.env.NODE_ENV === "production";

/** Billing cannot work in production without it; development gets it from the emulator. */
function requiredInProduction<T extends z.ZodType>(schema: T) {
  return isProduction ? schema : schema.optional();
}

export const env = createEnv({
  server: {
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    DATABASE_URL: postgresUrl,
    /** Connections this process may open (one pool per process). Small on serverless; see README. */
    DATABASE_POOL_SIZE: z.coerce
      .number()
      .int()
      .min(1, "expected a whole number of connections (1 or more)")
      .max(200, "expected at most 200 connections")
      .default(10),
    APP_URL: httpUrl.default("http://localhost:3000"),
    AUTH_SECRET: isProduction
      ? z
          .string({ message: "required in production: a random secret (openssl rand -base64 32)" })
          .min(32, "expected a random secret of at least 32 characters (openssl rand -base64 32)")
      : z.string().min(1).default("development-only-secret-do-not-use-in-production"),
    AUTH_GITHUB_ID: z.string().min(1).optional(),
    AUTH_GITHUB_SECRET: z.string().min(1).optional(),
    AUTH_GOOGLE_ID: z.string().min(1).optional(),
    AUTH_GOOGLE_SECRET: z.string().min(1).optional(),
    EMAIL_SERVER: z
      .url({ message: "expected an SMTP URL such as smtp://user:pass@smtp.example.com:587" })
      .refine((v) => /^smtps?:\/\//.test(v), "expected an smtp:// or smtps:// URL")
      .optional(),
    EMAIL_FROM: z.string().min(3).default("Billing Done Right <no-reply@localhost>"),
    /** "1" keeps the local outbox in a production build (local `next start`, end-to-end tests). */
    EMAIL_OUTBOX: z.enum(["0", "1"]).default("0"),
    STRIPE_SECRET_KEY: requiredInProduction(
      z
        .string({ message: "expected a Stripe secret key (sk_test_… or sk_live_…)" })
        .regex(
          /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/,
          "expected a Stripe secret key (sk_test_… or sk_live_…)",
        ),
    ),
    STRIPE_WEBHOOK_SECRET: requiredInProduction(
      z
        .string({ message: "expected a webhook signing secret (whsec_…)" })
        .regex(/^whsec_[A-Za-z0-9_]+$/, "expected a webhook signing secret (whsec_…)"),
    ),
    /** Base URL of a Stripe-compatible API (the local emulator); unset means api.stripe.com. */
    STRIPE_API_BASE: httpUrl.optional(),
    /** Customer Portal configuration to use; unset means the one `npm run stripe:setup` tagged. */
    STRIPE_PORTAL_CONFIGURATION_ID: z
      .string()
      .regex(/^bpc_[A-Za-z0-9_]+$/, "expected a portal configuration id (bpc_…)")
      .optional(),
    /** Bearer token of the cron routes (Vercel sends it as `Authorization: Bearer …`). */
    CRON_SECRET: z
      .string()
      .min(32, "expected a random secret of at least 32 characters (openssl rand -base64 32)")
      .optional(),
    /** Days a past_due subscription keeps its plan while Stripe retries the payment. */
    BILLING_PAST_DUE_GRACE_DAYS: z.coerce
      .number()
      .int()
      .min(0, "expected a whole number of days (0 or more)")
      .max(60, "expected at most 60 days")
      .default(7),
    /** Customers one process syncs at the same time (docs/billing-sync.md, "Pacing"). */
    BILLING_SYNC_CONCURRENCY: z.coerce
      .number()
      .int()
      .min(1, "expected a whole number (1 or more)")
      .max(32, "expected at most 32")
      .default(4),
    /** Stripe requests per second one process spends on syncs; unset: 10 in test mode, 40 in live. */
    BILLING_SYNC_STRIPE_RATE: z.coerce
      .number()
      .int()
      .min(1, "expected a whole number of requests per second (1 or more)")
      .max(1000, "expected at most 1000 requests per second")
      .optional(),
    /** A customer is synced at most once per this many milliseconds while events keep coming. */
    BILLING_SYNC_MIN_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(0, "expected milliseconds (0 or more)")
      .max(600_000, "expected at most 600000 ms")
      .default(2_000),
    /** Processed webhook events are kept this long (Stripe keeps events for 30 days). */
    BILLING_EVENT_RETENTION_DAYS: z.coerce
      .number()
      .int()
      .min(1, "expected a whole number of days (1 or more)")
      .max(3650, "expected at most 3650 days")
      .default(30),
    /** Seconds between background drains of the sync queue in a long-running server; 0 is off. */
    BILLING_DRAIN_INTERVAL_SECONDS: z.coerce
      .number()
      .int()
      .min(0, "expected seconds (0 turns the timer off)")
      .max(3600, "expected at most 3600 seconds")
      .default(isProduction ? 30 : 5),
  },
  client: {},
  experimental__runtimeEnv: {},
  emptyStringAsUndefined: true,
  onValidationError: (issues) => {
    const lines = issues.map((issue) => {
      const name = issue.path
        ?.map((p) => (typeof p === "object" ? String(p.key) : String(p)))
        .join(".");
      return `Invalid environment variable ${name ?? "(unknown)"}: ${issue.message}`;
    });
    for (const line of lines) console.error(line);
    throw new Error(lines.join("; "));
  },
});

// Production must send real email: a deployment without SMTP would leave nobody able to sign in.
if (isProduction && !env.EMAIL_SERVER && env.EMAIL_OUTBOX !== "1") {
  const line =
    "Invalid environment variable EMAIL_SERVER: required in production (or set EMAIL_OUTBOX=1 for a local production build)";
  console.error(line);
  throw new Error(line);
}

export type Env = typeof env;
