import { createEnv } from "@t3-oss/env-nextjs";
import { z } from "zod";
import { crossVariableProblems, vercelPreviewAppUrl } from "./env-rules";

/**
 * Every environment variable the app reads, validated once. `next.config.ts` imports this file,
 * so `next dev`, `next build` and `next start` stop at launch with one line per problem, naming the
 * variable and the fix (README → Configuration). `.env.example` documents each of them.
 *
 * `checkEnv` is the whole validation as a pure function of an environment record (tests call it
 * with their own records); `env` is its result for this process.
 */

export type EnvSource = Readonly<Record<string, string | undefined>>;

/** `http://localhost:$PORT` (3000 when PORT is unset or not a port number). */
function developmentAppUrl(port: string | undefined): string {
  return `http://localhost:${port && /^\d{1,5}$/.test(port) ? port : "3000"}`;
}

const postgresUrl = z
  .url({ message: "expected a postgres:// or postgresql:// URL" })
  .refine((v) => /^postgres(ql)?:\/\//.test(v), "expected a postgres:// or postgresql:// URL");

const httpUrl = z
  .url({ message: "expected an absolute http(s) URL such as http://localhost:3000" })
  .refine((v) => /^https?:\/\//.test(v), "expected an absolute http(s) URL")
  .transform((v) => v.replace(/\/+$/, ""));

/** The billing emails the app sends (lib/billing/emails/), each of which can be turned off. */
export const BILLING_EMAIL_KINDS = [
  "payment_failed",
  "payment_action_required",
  "trial_will_end",
  "cancellation_scheduled",
  "subscription_ended",
  "payment_recovered",
] as const;
export type BillingEmailKind = (typeof BILLING_EMAIL_KINDS)[number];

/** "a, b,c" as a list of trimmed, lower-cased items, each checked by `item`. */
function commaList<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((part) => part.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(item));
}

/** An explicit switch: unset or "0" is off, "1" is on. */
const flag = z.enum(["0", "1"], { message: 'expected "1" (on) or "0" (off)' }).default("0");

/** The variables and their formats; the rules between them are in `crossVariableProblems`. */
function serverShape(isProduction: boolean, port: string | undefined, onVercel: boolean) {
  /** Billing cannot work in production without it; development gets it from the emulator. */
  function requiredInProduction<T extends z.ZodType>(schema: T) {
    return isProduction ? schema : schema.optional();
  }
  return {
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    DATABASE_URL: postgresUrl,
    /**
     * Connections this process may open (one pool per process). 3 on Vercel, where every
     * serverless instance has a pool of its own behind the provider's pooler; 10 elsewhere.
     */
    DATABASE_POOL_SIZE: z.coerce
      .number()
      .int()
      .min(1, "expected a whole number of connections (1 or more)")
      .max(200, "expected at most 200 connections")
      .default(onVercel ? 3 : 10),
    /**
     * Required in production (checked in `crossVariableProblems`); development defaults it to the
     * port the app listens on, so links and Stripe return URLs follow `PORT`.
     */
    APP_URL: isProduction ? httpUrl.optional() : httpUrl.default(developmentAppUrl(port)),
    /** "1": on a Vercel preview deployment, APP_URL is https://$VERCEL_BRANCH_URL (or $VERCEL_URL). */
    APP_URL_FROM_VERCEL_PREVIEW: flag,
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
    EMAIL_OUTBOX: flag,
    /** The business name in emails (their header, signature and subject lines). */
    BUSINESS_NAME: z.string().min(1).max(100).default("Billing Done Right"),
    /** Where customers write for help: shown in every email's footer (unset: none is shown). */
    SUPPORT_EMAIL: z.email({ message: "expected an email address" }).optional(),
    /** Billing emails turned off, comma-separated (lib/billing/emails/): none by default. */
    BILLING_EMAILS_OFF: commaList(
      z.enum(BILLING_EMAIL_KINDS, {
        message: `expected a comma-separated list of ${BILLING_EMAIL_KINDS.join(", ")}`,
      }),
    ).optional(),
    /**
     * "1": a billing email also goes to the customer's billing email in Stripe when it differs from
     * the login email. It never identifies anyone: every link still requires the app's sign-in.
     */
    BILLING_EMAILS_ALSO_TO_BILLING_ADDRESS: flag,
    /** Who may open /admin/billing: comma-separated login emails (unset: nobody). */
    ADMIN_EMAILS: commaList(
      z.email({ message: "expected comma-separated email addresses" }),
    ).optional(),
    STRIPE_SECRET_KEY: requiredInProduction(
      z
        .string({
          message:
            "required in production: your Stripe secret key (sk_live_…, Dashboard → API keys)",
        })
        .regex(
          /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/,
          "expected a Stripe secret key (sk_test_… or sk_live_…)",
        ),
    ),
    STRIPE_WEBHOOK_SECRET: requiredInProduction(
      z
        .string({
          message:
            "required in production: the webhook endpoint's signing secret (whsec_…) that " +
            "`npm run stripe:setup -- --live --webhook-url …` prints",
        })
        .regex(/^whsec_[A-Za-z0-9_]+$/, "expected a webhook signing secret (whsec_…)"),
    ),
    /** Base URL of a Stripe-compatible API (the local emulator); unset means api.stripe.com. */
    STRIPE_API_BASE: httpUrl.optional(),
    /** "1" accepts STRIPE_API_BASE in a production build (end-to-end tests against the emulator). */
    STRIPE_API_BASE_ALLOW_IN_PRODUCTION: flag,
    /** "1" lets a live key go to a STRIPE_API_BASE that is not an https stripe.com URL. */
    STRIPE_API_BASE_ALLOW_LIVE_KEY: flag,
    /**
     * Test mode, development and tests only: new customers whose email matches are created on a
     * Stripe test clock of their own (lib/billing/customers-test-clock.ts). `*` matches every
     * email; otherwise a comma-separated list of endings such as `@clock.test`.
     */
    STRIPE_TEST_CLOCK_EMAILS: z
      .string()
      .regex(
        /^(\*|[^\s,]+(,[^\s,]+)*)$/,
        'expected "*" or comma-separated email endings such as @clock.test',
      )
      .optional(),
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
  };
}

type Shape = ReturnType<typeof serverShape>;
export type Fields = { [K in keyof Shape]: z.output<Shape[K]> };
/** The validated environment. APP_URL is always set: defaulted in development, required in production. */
export type AppEnv = Omit<Fields, "APP_URL"> & { APP_URL: string };

export type EnvCheck = { ok: true; env: AppEnv } | { ok: false; problems: string[] };

/**
 * Validates an environment record (process.env, or a test's own): every variable's format, then
 * the production rules. Pure: reads nothing but `source`. Empty strings count as unset.
 */
export function checkEnv(source: EnvSource): EnvCheck {
  const record: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && value !== "") record[name] = value;
  }
  const isProduction = record.NODE_ENV === "production";
  const problems: string[] = [];

  const preview = vercelPreviewAppUrl(record);
  if (preview && "problem" in preview) problems.push(preview.problem);
  // The founder opted in for previews: Vercel's URL replaces any APP_URL set for all environments.
  if (preview && "url" in preview) record.APP_URL = preview.url;

  const shape = serverShape(isProduction, record.PORT, record.VERCEL === "1");
  const values: Record<string, unknown> = {};
  const failed = new Set<string>();
  for (const [name, schema] of Object.entries(shape)) {
    const result = (schema as z.ZodType).safeParse(record[name]);
    if (result.success) {
      values[name] = result.data;
    } else {
      failed.add(name);
      const message = result.error.issues[0]?.message ?? "invalid value";
      problems.push(`Invalid environment variable ${name}: ${message}`);
    }
  }
  if (preview && "problem" in preview) failed.add("APP_URL");
  problems.push(...crossVariableProblems(values as Partial<Fields>, failed, record, isProduction));

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, env: values as AppEnv };
}

/** Thrown (inside Next's server bundles and tests) when the environment is invalid. */
export class EnvError extends Error {
  override name = "EnvError";
  constructor(readonly problems: string[]) {
    super(problems.join(" "));
    // The lines are the whole story: a stack would only point into this file.
    this.stack = problems.map((line) => `EnvError: ${line}`).join("\n");
  }
}

function stop(problems: string[]): never {
  for (const line of problems) console.error(line);
  // Stop here with just these lines: thrown, the error would reach Node's or Next's handler, which
  // add a stack trace (and Next a "Failed to load next.config.ts" banner). This file is first
  // loaded by next.config.ts (next dev/build/start, in the process that then serves requests) and
  // by the npm scripts, so that is where a bad environment stops. Tests get the error instead.
  if (!process.env.VITEST && typeof process.exit === "function") process.exit(1);
  throw new EnvError(problems);
}

const appEnvSchema = z.looseObject({}).transform((input, ctx): AppEnv => {
  const result = checkEnv(input as EnvSource);
  if (result.ok) return result.env;
  for (const message of result.problems) ctx.addIssue({ code: "custom", message });
  return z.NEVER;
});

export const env = createEnv({
  server: serverShape(
    process.env.NODE_ENV === "production",
    process.env.PORT,
    process.env.VERCEL === "1",
  ),
  client: {},
  experimental__runtimeEnv: {},
  emptyStringAsUndefined: true,
  createFinalSchema: () => appEnvSchema,
  onValidationError: (issues) => stop(issues.map((issue) => issue.message)),
});

export type Env = typeof env;
