import Stripe from "stripe";
import { z } from "zod";
import { clearCatalogPriceCache } from "@/lib/billing/catalog/prices";
import { billingEmailRequestFor } from "@/lib/billing/emails/requests";
import { idOf } from "@/lib/billing/stripe/ids";
import { recordEventAndRequestSync } from "@/lib/billing/sync/queue";
import { refuseSignature, rejectionReasonOf } from "@/lib/billing/sync/webhook-rejections";
import { env } from "@/lib/env";
import { stripeMode } from "@/lib/stripe";

/** Event types that ask for a sync of their customer; every other type is recorded and ignored. */
export const HANDLED_EVENT_TYPES = [
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "customer.subscription.paused",
  "customer.subscription.resumed",
  "customer.subscription.trial_will_end",
  // A period-end plan change lives in a schedule (the billing page shows it as pending).
  "subscription_schedule.created",
  "subscription_schedule.updated",
  "subscription_schedule.released",
  "subscription_schedule.canceled",
  "subscription_schedule.completed",
  "subscription_schedule.aborted",
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
  // Test mode: a test clock finished advancing, so its customers' time and objects moved.
  "test_helpers.test_clock.ready",
] as const satisfies readonly Stripe.Event.Type[];

/**
 * Catalog changes: no customer to sync, but the cached price list that the plan cards and the
 * pricing page show is read from Stripe again (catalog/prices.ts).
 */
export const CATALOG_EVENT_TYPES = [
  "price.created",
  "price.updated",
  "price.deleted",
  "product.created",
  "product.updated",
  "product.deleted",
] as const satisfies readonly Stripe.Event.Type[];

/** Every type the webhook endpoint subscribes to (stripe:setup, billing:doctor). */
export const WEBHOOK_EVENT_TYPES: readonly Stripe.Event.Type[] = [
  ...HANDLED_EVENT_TYPES,
  ...CATALOG_EVENT_TYPES,
];

type HandledEvent = Extract<Stripe.Event, { type: (typeof HANDLED_EVENT_TYPES)[number] }>;

export type WebhookResult = {
  status: 200 | 400 | 500;
  body: { received: true; duplicate?: true; queued?: true; outcome?: string } | { error: string };
  /** A customer now waits for a sync: drain the queue after responding. */
  drain: boolean;
  /** Work that must not delay the answer (counting a refused signature): run it after. */
  afterResponse?: () => Promise<void>;
};

// The fields the ledger relies on, checked after the signature (the SDK does not validate shape).
const eventEnvelope = z.object({
  id: z.string().regex(/^evt_\w+$/),
  type: z.string().min(1),
  livemode: z.boolean(),
  created: z.number().int(),
  data: z.object({ object: z.object({}).passthrough() }).passthrough(),
});

/**
 * Receives a Stripe webhook delivery: verifies it, records it in the ledger and asks for a sync of
 * its customer, in one SQL statement, then answers. No Stripe call and no long transaction before
 * the answer: the drain (drain.ts) does the sync afterwards. Answers 400 (nothing written) for a bad
 * signature, a stale timestamp, a malformed event or an event from the other mode; 200 for new
 * events, duplicates (a no-op, processed or not) and ignored types; 500 only when the event could
 * not be recorded, so Stripe retries. A refused signature is logged and counted (refuseSignature).
 */
export async function handleStripeWebhook(
  payload: string,
  signature: string | null,
): Promise<WebhookResult> {
  const secret = env.STRIPE_WEBHOOK_SECRET;
  if (!secret) {
    console.error("[billing] webhook received but STRIPE_WEBHOOK_SECRET is not set");
    return refuse(500, "Webhook signing secret is not configured.");
  }
  if (!signature) {
    return refuseSignature("missing_header", payload, "Missing Stripe-Signature header.");
  }

  let event: Stripe.Event;
  try {
    // Default tolerance (300 s): an old, replayed delivery fails here.
    event = Stripe.webhooks.constructEvent(payload, signature, secret);
  } catch (error) {
    return refuseSignature(rejectionReasonOf(error), payload, "Invalid signature.");
  }
  if (!eventEnvelope.safeParse(event).success) return refuse(400, "Malformed event.");
  warnOnceAboutApiVersion(event.api_version);

  const liveKey = stripeMode() === "live";
  if (event.livemode !== liveKey) {
    // Test and live data must never mix: refuse loudly so the misconfigured endpoint shows up.
    console.error(
      `[billing] refused ${event.livemode ? "live" : "test"} mode event ${event.id} (${event.type}): ` +
        `the configured key is ${liveKey ? "live" : "test"} mode`,
    );
    return refuse(400, "Event mode does not match the configured Stripe key.");
  }

  try {
    const recorded = await recordEvent(event);
    // Even a copy: the cache may have been filled again since the first delivery.
    if (isCatalogEvent(event)) clearCatalogPriceCache();
    if (!recorded.inserted) {
      return { status: 200, body: { received: true, duplicate: true }, drain: false };
    }
    if (recorded.queued) {
      return { status: 200, body: { received: true, queued: true }, drain: true };
    }
    return { status: 200, body: { received: true, outcome: recorded.outcome }, drain: false };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`[billing] recording ${event.id} (${event.type}) failed: ${message}`);
    return refuse(500, "Could not record the event; Stripe will retry.");
  }
}

/**
 * An event rendered at another API version than the SDK's (an endpoint without a pinned
 * `api_version` gets the account default) is still accepted: the sync reads only the event's id,
 * type and customer, and re-fetches every object at the SDK's version. One warning per version
 * and process says how to pin the endpoint.
 */
const warnedApiVersions = new Set<string>();
function warnOnceAboutApiVersion(version: string | null): void {
  const v = version ?? "(none)";
  if (v === Stripe.API_VERSION || warnedApiVersions.has(v)) return;
  warnedApiVersions.add(v);
  console.warn(
    `[billing] webhook events arrive at API version ${v}, not the SDK's ${Stripe.API_VERSION}: ` +
      "accepted (the sync re-fetches from Stripe), but pin the endpoint: npm run stripe:setup -- --webhook-url <url>",
  );
}

function refuse(status: 400 | 500, error: string): WebhookResult {
  return { status, body: { error }, drain: false };
}

/** What recording asks of the queue: which customers to sync, or the outcome if none. */
function recordEvent(event: Stripe.Event) {
  // A test clock names no customer: it finished advancing, so its customers' subscriptions,
  // invoices and frozen time moved, and each of them is synced.
  const testClockId =
    event.type === "test_helpers.test_clock.ready" ? event.data.object.id : undefined;
  const customerId = isHandled(event) ? customerIdOf(event) : null;
  const outcomeIfNoSync = testClockId
    ? "queued a sync of the test clock's customers"
    : isCatalogEvent(event)
      ? "revalidated the catalog's prices"
      : !isHandled(event)
        ? "ignored"
        : customerId
          ? "skipped: customer not created by this app"
          : "skipped: event has no customer";
  return recordEventAndRequestSync({
    id: event.id,
    type: event.type,
    livemode: event.livemode,
    createdAt: new Date(event.created * 1000),
    customerId,
    testClockId,
    outcomeIfNoSync,
    email: customerId ? billingEmailRequestFor(event) : null,
  });
}

function isCatalogEvent(event: Stripe.Event): boolean {
  return (CATALOG_EVENT_TYPES as readonly string[]).includes(event.type);
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
    case "test_helpers.test_clock.ready":
      return null; // names no customer: its clock's customers are synced
    case "payment_method.detached":
      // A detached payment method no longer names its customer; the previous value does.
      return idOf(event.data.object.customer) ?? idOf(event.data.previous_attributes?.customer);
    default:
      return idOf(event.data.object.customer);
  }
}
