import { afterResponse } from "@/lib/after-response";
import { drainSyncQueue } from "@/lib/billing/sync/drain";
import { handleStripeWebhook } from "@/lib/billing/sync/receive";
import { readWebhookBody } from "@/lib/billing/sync/webhook-body";

// Signature checks need Node's crypto and the exact bytes Stripe signed; never cache or prerender.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";
// The answer takes milliseconds; the drain after it may wait out a burst's debounce.
export const maxDuration = 60;

/** Stripe webhook endpoint: HTTP in and out only; lib/billing/sync/ does the work. */
export async function POST(request: Request): Promise<Response> {
  const payload = await readWebhookBody(request);
  if (payload === null) {
    return Response.json({ error: "Payload too large." }, { status: 413 });
  }
  const result = await handleStripeWebhook(payload, request.headers.get("stripe-signature"));
  if (result.drain) afterResponse("billing drain", () => drainSyncQueue());
  if (result.afterResponse) afterResponse("billing webhook", result.afterResponse);
  return Response.json(result.body, { status: result.status });
}
