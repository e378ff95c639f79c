import { handleReconcileCron } from "@/lib/billing/reconcile-cron";

// Reads Stripe and writes the database on every call: never cached or prerendered.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";
export const maxDuration = 300;

/** Scheduled reconciliation (vercel.json); lib/billing/reconcile-cron.ts does the work. */
export function GET(request: Request): Promise<Response> {
  return handleReconcileCron(request);
}
