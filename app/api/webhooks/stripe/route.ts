import { readWebhookBody } from "@/lib/billing/webhook-body";
import { handleStripeWebhook } from "@/lib/billing/webhooks";

// Signature checks need Node's crypto and the exact bytes Stripe signed; never cache or prerender.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Stripe webhook endpoint: HTTP in and out only; lib/billing/webhooks.ts does the work. */
export async function POST(request: Request): Promise<Response> {
  const payload = await readWebhookBody(request);
  if (payload === null) {
    return Response.json({ error: "Payload too large." }, { status: 413 });
  }
  const result = await handleStripeWebhook(payload, request.headers.get("stripe-signature"));
  return Response.json(result.body, { status: result.status });
}
