import type { EnvSource, Fields } from "./env";

/**
 * The rules between environment variables (lib/env.ts checks each one's format): what production
 * requires, where a live key may go, the Vercel preview URL. Each problem is one line naming the
 * variable and the fix.
 */

export const SEE_README = "see README → Configuration";

/** localhost, *.localhost, 127.0.0.0/8 and ::1: a URL only this machine can open. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "::1" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/** api.stripe.com and its siblings, over https: the only place a live key may go by default. */
function isStripeHost(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return url.protocol === "https:" && (host === "stripe.com" || host.endsWith(".stripe.com"));
}

/** A URL as it may appear in a log line: no credentials, query or fragment. */
function shown(url: URL): string {
  return `${url.origin}${url.pathname === "/" ? "" : url.pathname}`;
}

/**
 * APP_URL of a Vercel preview deployment whose founder opted in (APP_URL_FROM_VERCEL_PREVIEW=1):
 * https on the branch's stable URL, else the deployment's own. Vercel's variables only, never the
 * request's Host header. Undefined when not opted in or not on a preview.
 */
export function vercelPreviewAppUrl(
  record: EnvSource,
): { url: string } | { problem: string } | undefined {
  if (record.APP_URL_FROM_VERCEL_PREVIEW !== "1" || record.VERCEL_ENV !== "preview") return;
  const name = record.VERCEL_BRANCH_URL ? "VERCEL_BRANCH_URL" : "VERCEL_URL";
  const value = record[name];
  if (!value) {
    return {
      problem:
        "APP_URL_FROM_VERCEL_PREVIEW=1 but Vercel set neither VERCEL_BRANCH_URL nor VERCEL_URL: " +
        'turn on "Automatically expose System Environment Variables" in the project\'s settings, ' +
        `or set APP_URL (${SEE_README}).`,
    };
  }
  const host = value.replace(/^https?:\/\//, "").replace(/\/+$/, "");
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(host)) {
    return {
      problem: `APP_URL_FROM_VERCEL_PREVIEW=1 but ${name} is not a host name: set APP_URL for previews instead (${SEE_README}).`,
    };
  }
  return { url: `https://${host}` };
}

/** The rules between variables; each problem is one line naming the variable and the fix. */
export function crossVariableProblems(
  values: Partial<Fields>,
  failed: ReadonlySet<string>,
  record: EnvSource,
  isProduction: boolean,
): string[] {
  const problems: string[] = [];
  const valid = (...names: (keyof Fields)[]) => names.every((name) => !failed.has(name));

  if (isProduction && valid("APP_URL", "EMAIL_OUTBOX")) {
    if (!values.APP_URL) {
      problems.push(
        "APP_URL is required in production: set it to your site's https URL, e.g. " +
          "https://app.example.com (Vercel previews: APP_URL_FROM_VERCEL_PREVIEW=1; " +
          SEE_README +
          ").",
      );
    } else {
      const url = new URL(values.APP_URL);
      const local = isLoopbackHost(url.hostname);
      if (local && record.VERCEL === "1") {
        problems.push(
          `APP_URL is ${shown(url)} on a Vercel deployment: set it to the deployment's https URL ` +
            `(previews: APP_URL_FROM_VERCEL_PREVIEW=1; ${SEE_README}).`,
        );
      } else if (local && values.EMAIL_OUTBOX !== "1") {
        problems.push(
          `APP_URL is ${shown(url)} in production, so sign-in links and Stripe return URLs work ` +
            `only on this machine: set it to your site's https URL, or set EMAIL_OUTBOX=1 for a ` +
            `local \`next start\` (${SEE_README}).`,
        );
      } else if (!local && url.protocol !== "https:") {
        problems.push(
          `APP_URL must be https in production, or cookies lose Secure: set it to ` +
            `https://${url.host}${url.pathname === "/" ? "" : url.pathname} (${SEE_README}).`,
        );
      }
      if (!local && values.EMAIL_OUTBOX === "1") {
        problems.push(
          `EMAIL_OUTBOX=1 is only for a local \`next start\` (APP_URL is ${shown(url)}): sign-in ` +
            `links would never be emailed; unset it and set EMAIL_SERVER (${SEE_README}).`,
        );
      }
    }
  }

  if (isProduction && valid("EMAIL_SERVER", "EMAIL_OUTBOX")) {
    if (!values.EMAIL_SERVER && values.EMAIL_OUTBOX !== "1") {
      problems.push(
        "EMAIL_SERVER is required in production, or nobody can sign in: set it to your SMTP URL, " +
          "e.g. smtp://user:pass@smtp.example.com:587, or EMAIL_OUTBOX=1 for a local `next start` (" +
          SEE_README +
          ").",
      );
    }
  }

  if (valid("STRIPE_API_BASE", "STRIPE_API_BASE_ALLOW_IN_PRODUCTION") && values.STRIPE_API_BASE) {
    const base = new URL(values.STRIPE_API_BASE);
    if (isProduction && values.STRIPE_API_BASE_ALLOW_IN_PRODUCTION !== "1") {
      problems.push(
        `STRIPE_API_BASE is set in production (${shown(base)}), so STRIPE_SECRET_KEY would be ` +
          `sent there: unset it to use api.stripe.com, or set STRIPE_API_BASE_ALLOW_IN_PRODUCTION=1 ` +
          `if this build is meant to use it, e.g. end-to-end tests (${SEE_README}).`,
      );
    }
  }

  if (valid("STRIPE_TEST_CLOCK_EMAILS", "STRIPE_SECRET_KEY") && values.STRIPE_TEST_CLOCK_EMAILS) {
    // Test clocks exist in test mode only; a real deployment must never make them.
    if (values.STRIPE_SECRET_KEY && /^(sk|rk)_live_/.test(values.STRIPE_SECRET_KEY)) {
      problems.push(
        `STRIPE_TEST_CLOCK_EMAILS is set with a live STRIPE_SECRET_KEY: Stripe test clocks exist ` +
          `in test mode only; unset it (${SEE_README}).`,
      );
    } else if (isProduction && !values.STRIPE_API_BASE) {
      problems.push(
        `STRIPE_TEST_CLOCK_EMAILS is set in production: it is for development and tests against ` +
          `test mode (or the local emulator); unset it (${SEE_README}).`,
      );
    }
  }

  if (
    valid("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_API_BASE_ALLOW_LIVE_KEY") &&
    values.STRIPE_SECRET_KEY &&
    /^(sk|rk)_live_/.test(values.STRIPE_SECRET_KEY) &&
    values.STRIPE_API_BASE &&
    values.STRIPE_API_BASE_ALLOW_LIVE_KEY !== "1"
  ) {
    const base = new URL(values.STRIPE_API_BASE);
    if (!isStripeHost(base)) {
      problems.push(
        `STRIPE_API_BASE (${shown(base)}) is not an https stripe.com URL, and STRIPE_SECRET_KEY ` +
          `is a live key: unset STRIPE_API_BASE, or set STRIPE_API_BASE_ALLOW_LIVE_KEY=1 if that ` +
          `host is yours and relays to Stripe (${SEE_README}).`,
      );
    }
  }

  return problems;
}
