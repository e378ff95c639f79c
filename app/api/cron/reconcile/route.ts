import { handleReconcileCron } from "./handler";

// Reads Stripe and writes the database on every call: never cached or prerendered.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";
export const maxDuration = 300;

/** Scheduled reconciliation (vercel.json); handler.ts owns the HTTP, lib/billing/sync/maintenance.ts the work. */
export function GET(request: Request): Promise<Response> {
  return handleReconcileCron(request);
}
