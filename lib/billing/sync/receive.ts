import Stripe from "stripe";
import { z } from "zod";
import { idOf } from "@/lib/billing/sync-records";
import { syncStripeCustomer } from "@/lib/billing/sync";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { stripeMode } from "@/lib/stripe";

/** Event types that trigger a sync of their customer; every other type is recorded and ignored. */
export const HANDLED_EVENT_TYPES = [
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "customer.subscription.paused",
  "customer.subscription.resumed",
  "customer.subscription.trial_will_end",
  "customer.updated",
  "customer.deleted",
  "payment_method.attached",
  "payment_method.detached",
  "payment_method.updated",
  "payment_method.automatically_updated",
  "invoice.paid",
  "invoice.payment_failed",
  "invoice.payment_action_required",
  "invoice.finalized",
  "invoice.voided",
  "invoice.marked_uncollectible",
] as const satisfies readonly Stripe.Event.Type[];

type HandledEvent = Extract<Stripe.Event, { type: (typeof HANDLED_EVENT_TYPES)[number] }>;

export type WebhookResult = {
  status: 200 | 400 | 500;
  body: { received: true; duplicate?: true; outcome?: string } | { error: string };
};

// The fields the ledger relies on, checked after the signature (the SDK does not validate shape).
const eventEnvelope = z.object({
  id: z.string().regex(/^evt_\w+$/),
  type: z.string().min(1),
  livemode: z.boolean(),
  created: z.number().int(),
  data: z.object({ object: z.object({}).passthrough() }).passthrough(),
});

const MAX_ERROR_LENGTH = 2_000;

/**
 * Verifies a Stripe webhook delivery, records it in the ledger and syncs the customer it concerns.
 * Answers 400 (nothing written) for a bad signature, a stale timestamp, a malformed event or an
 * event from the other mode; 200 for duplicates and ignored types; 500 when handling failed, so
 * Stripe retries, and the retry starts from Stripe's current state again.
 */
export async function handleStripeWebhook(
  payload: string,
  signature: string | null,
): Promise<WebhookResult> {
  const secret = env.STRIPE_WEBHOOK_SECRET;
  if (!secret) {
    console.error("[billing] webhook received but STRIPE_WEBHOOK_SECRET is not set");
    return { status: 500, body: { error: "Webhook signing secret is not configured." } };
  }
  if (!signature) return { status: 400, body: { error: "Missing Stripe-Signature header." } };

  let event: Stripe.Event;
  try {
    // Default tolerance (300 s): an old, replayed delivery fails here.
    event = Stripe.webhooks.constructEvent(payload, signature, secret);
  } catch {
    return { status: 400, body: { error: "Invalid signature." } };
  }
  if (!eventEnvelope.safeParse(event).success) {
    return { status: 400, body: { error: "Malformed event." } };
  }

  const liveKey = stripeMode() === "live";
  if (event.livemode !== liveKey) {
    // Test and live data must never mix: refuse loudly so the misconfigured endpoint shows up.
    console.error(
      `[billing] refused ${event.livemode ? "live" : "test"} mode event ${event.id} (${event.type}): ` +
        `the configured key is ${liveKey ? "live" : "test"} mode`,
    );
    return { status: 400, body: { error: "Event mode does not match the configured Stripe key." } };
  }

  try {
    const seen = await db.stripeEvent.findUnique({
      where: { id: event.id },
      select: { processedAt: true, outcome: true },
    });
    if (seen?.processedAt) {
      return {
        status: 200,
        body: { received: true, duplicate: true, outcome: seen.outcome ?? undefined },
      };
    }
    const customerId = isHandled(event) ? customerIdOf(event) : null;
    await db.stripeEvent.upsert({
      where: { id: event.id },
      create: {
        id: event.id,
        type: event.type,
        livemode: event.livemode,
        stripeCustomerId: customerId,
        stripeCreatedAt: new Date(event.created * 1000),
        attempts: 1,
      },
      update: { attempts: { increment: 1 } },
    });

    const outcome = await handle(event, customerId);
    await db.stripeEvent.update({
      where: { id: event.id },
      data: { processedAt: new Date(), outcome, lastError: null },
    });
    return { status: 200, body: { received: true, outcome } };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`[billing] handling ${event.id} (${event.type}) failed: ${message}`);
    await db.stripeEvent
      .update({
        where: { id: event.id },
        data: { lastError: message.slice(0, MAX_ERROR_LENGTH) },
      })
      .catch(() => {
        // The database itself may be what failed; Stripe's retry is the record then.
      });
    return { status: 500, body: { error: "Handling failed; Stripe will retry." } };
  }
}

async function handle(event: Stripe.Event, customerId: string | null): Promise<string> {
  if (!isHandled(event)) return "ignored";
  if (!customerId) return "skipped: event has no customer";
  const result = await syncStripeCustomer(customerId);
  return result.status === "synced" ? "synced" : `skipped: ${result.reason}`;
}

function isHandled(event: Stripe.Event): event is HandledEvent {
  return (HANDLED_EVENT_TYPES as readonly string[]).includes(event.type);
}

/** The customer an event concerns: the only thing taken from the payload. */
export function customerIdOf(event: HandledEvent): string | null {
  switch (event.type) {
    case "customer.updated":
    case "customer.deleted":
      return event.data.object.id;
    case "payment_method.detached":
      // A detached payment method no longer names its customer; the previous value does.
      return idOf(event.data.object.customer) ?? idOf(event.data.previous_attributes?.customer);
    default:
      return idOf(event.data.object.customer);
  }
}
