import type { Instrumentation } from "next";

/**
 * Runs once when a Next.js server starts: drains the billing sync queue on a timer
 * (BILLING_DRAIN_INTERVAL_SECONDS), the backstop for syncs whose retry comes after the webhook's
 * own drain stopped. On serverless it runs only while an instance lives; the reconcile cron is the
 * backstop there (docs/billing-sync.md).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // One line per failed request in production (onRequestError below), not Next's stack dumps.
  if (process.env.NODE_ENV === "production") {
    const { quietNextErrorDumps } = await import("@/lib/request-id");
    quietNextErrorDumps();
  }
  const { startDrainTimer } = await import("@/lib/billing/sync/drain");
  startDrainTimer();
}

/**
 * One line per failed request (server components, route handlers, server actions, the proxy):
 * the reference the error page shows (Next's digest), method, path, route and the error's message.
 * No stack trace, no query string, no headers, no secrets (lib/request-id.ts).
 */
export const onRequestError: Instrumentation.onRequestError = async (error, request, context) => {
  const { logRequestError } = await import("@/lib/request-id");
  logRequestError(error, request, context);
};
