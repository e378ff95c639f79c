import { createHash, timingSafeEqual } from "node:crypto";
import type { ReconcileResult } from "@/lib/billing/sync/reconcile";
import { runScheduledMaintenance } from "@/lib/billing/sync/maintenance";
import { env } from "@/lib/env";

/** Inside the route's 300 s limit, with time left to answer. */
const CRON_BUDGET_MS = 240_000;

/**
 * GET /api/cron/reconcile (vercel.json): lib/billing/sync/maintenance.ts does the work; this owns
 * the HTTP. Vercel Cron sends `Authorization: Bearer $CRON_SECRET`; without CRON_SECRET configured
 * the route stays closed.
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
  const outcome = await runScheduledMaintenance(CRON_BUDGET_MS);
  if (outcome.kind === "busy") {
    return Response.json({ error: "A reconciliation is already running." }, { status: 409 });
  }
  if (outcome.kind === "stripe_unavailable") {
    return Response.json(
      { error: outcome.message, rateLimitsPruned: outcome.rateLimitsPruned },
      { status: 503 },
    );
  }
  const { result, rateLimitsPruned } = outcome;
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
