import { createHash, timingSafeEqual } from "node:crypto";
import {
  reconcileBilling,
  StripeUnavailableError,
  type ReconcileResult,
} from "@/lib/billing/sync/reconcile";
import { env } from "@/lib/env";
import { LeaseBusyError } from "@/lib/lease";
import { pruneExpiredRateLimits } from "@/lib/rate-limit";

/** Inside the route's 300 s limit, with time left to answer. */
const CRON_BUDGET_MS = 240_000;

/**
 * GET /api/cron/reconcile: the scheduled safety net (vercel.json): the sync queue's backstop,
 * a budgeted reconciliation walk, the ledger's retention, and the pruning of old rate-limit rows.
 * Vercel Cron sends `Authorization: Bearer $CRON_SECRET`; without CRON_SECRET configured the route
 * stays closed.
 */
export async function handleReconcileCron(
  request: Request,
  secret: string | undefined = env.CRON_SECRET,
): Promise<Response> {
  if (!secret) {
    return Response.json(
      { error: "CRON_SECRET is not set: the reconcile cron is disabled." },
      { status: 503 },
    );
  }
  if (!bearerMatches(request.headers.get("authorization"), secret)) {
    return Response.json({ error: "Unauthorized." }, { status: 401 });
  }
  // Rate-limit windows (sign-in emails, billing sessions) matter for minutes only; the daily cron
  // keeps the table small. First, whatever billing does: it needs neither Stripe nor the lease.
  const rateLimitsPruned = await pruneExpiredRateLimits().catch((error: unknown) => {
    console.error(
      `[reconcile] pruning rate-limit windows failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    return null;
  });
  let result: ReconcileResult;
  try {
    result = await reconcileBilling({
      budgetMs: CRON_BUDGET_MS,
      prune: true,
      log: (line) => console.log(`[reconcile] ${line}`),
    });
  } catch (error) {
    if (error instanceof LeaseBusyError) {
      return Response.json({ error: "A reconciliation is already running." }, { status: 409 });
    }
    if (error instanceof StripeUnavailableError) {
      // One line, no stack: the run failed before any work, nothing was changed.
      console.error(`[reconcile] ${error.message}`);
      return Response.json({ error: error.message, rateLimitsPruned }, { status: 503 });
    }
    throw error;
  }
  // Failures get a 5xx so the cron run shows up as failed in the deployment's logs.
  return Response.json(
    { ...summary(result), rateLimitsPruned },
    { status: result.failed > 0 || rateLimitsPruned === null ? 500 : 200 },
  );
}

function bearerMatches(header: string | null, secret: string): boolean {
  const token = header?.startsWith("Bearer ") ? header.slice(7) : "";
  // Hashing first gives equal lengths, so the comparison time says nothing about the secret.
  const digest = (v: string) => createHash("sha256").update(v).digest();
  return token.length > 0 && timingSafeEqual(digest(token), digest(secret));
}

function summary(result: ReconcileResult) {
  const { customers, ...counts } = result;
  return { ...counts, customers: customers.filter((c) => c.status !== "unchanged") };
}
