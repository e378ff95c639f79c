import Stripe from "stripe";
import { z } from "zod";
import { idOf } from "@/lib/billing/sync-records";
import { db } from "@/lib/db";
import { recordEventAndRequestSync } from "@/lib/billing/sync/queue";
import { recordTestClockReady } from "@/lib/billing/sync/test-clock-events";
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

// ---- Refused signatures: logged once a minute, counted in a few writes a minute ----

/** Why a delivery's signature was refused (`WebhookRejection.reason`). */
export type WebhookRejectionReason =
  "missing_header" | "unreadable_header" | "timestamp_outside_tolerance" | "signature_mismatch";

export const WEBHOOK_REJECTION_REASONS: Record<WebhookRejectionReason, string> = {
  missing_header: "no Stripe-Signature header",
  unreadable_header: "unreadable Stripe-Signature header",
  timestamp_outside_tolerance: "timestamp outside the 300 s tolerance",
  signature_mismatch: "signature mismatch",
};

const REJECTION_HINTS: Record<WebhookRejectionReason, string> = {
  missing_header: "not sent by Stripe, or a proxy dropped the header",
  unreadable_header: "not sent by Stripe, or a proxy rewrote the header",
  timestamp_outside_tolerance: "a replayed delivery, or this server's clock is off",
  signature_mismatch:
    "check STRIPE_WEBHOOK_SECRET: it must be the signing secret of the endpoint sending here",
};

function rejectionReasonOf(error: unknown): WebhookRejectionReason {
  const message = error instanceof Error ? error.message : "";
  // The SDK checks the signature before the timestamp: a stale one was signed with our secret.
  if (/tolerance/i.test(message)) return "timestamp_outside_tolerance";
  if (/extract timestamp|expected scheme/i.test(message)) return "unreadable_header";
  return "signature_mismatch";
}

const MINUTE_MS = 60_000;

/** Per reason, in this process: what was logged, and what waits to be counted. */
type RejectionWindow = {
  /** The minute of the last log line, and the refusals since that were not logged. */
  loggedMinute: number;
  unlogged: number;
  /** Refusals not yet written, and whether a write is already scheduled for them. */
  pending: number;
  writeScheduled: boolean;
  lastEventId: string | null;
};
const rejectionWindows = new Map<WebhookRejectionReason, RejectionWindow>();
/** Refusals are gathered this long before one write adds them all. */
let rejectionWriteDelayMs = 5_000;

/**
 * The 400 for a refused signature, logged and counted in `WebhookRejection` so that a wrong
 * STRIPE_WEBHOOK_SECRET shows up in the logs and in `npm run billing:doctor`. A flood stays cheap,
 * per process and reason: at most one log line a minute (saying how many it stands for), and at
 * most one upsert every few seconds, after the answer, adding up everything refused meanwhile
 * (the table holds one row per reason and minute). Never logs the header, the secret or the body:
 * the reason, and the event id when the body names one.
 */
function refuseSignature(
  reason: WebhookRejectionReason,
  payload: string,
  error: string,
): WebhookResult {
  const now = Date.now();
  const minute = now - (now % MINUTE_MS);
  let window = rejectionWindows.get(reason);
  if (!window) {
    window = { loggedMinute: 0, unlogged: 0, pending: 0, writeScheduled: false, lastEventId: null };
    rejectionWindows.set(reason, window);
  }
  window.pending += 1;
  if (window.loggedMinute === minute) {
    window.unlogged += 1;
  } else {
    // The body is read (for its event id) only for the minute's line, never per request.
    const eventId = eventIdOf(payload);
    if (eventId) window.lastEventId = eventId;
    console.error(
      `[billing] webhook refused (${WEBHOOK_REJECTION_REASONS[reason]})` +
        (eventId ? ` for event ${eventId}` : "") +
        (window.unlogged ? ` (and ${window.unlogged} more since the last such line)` : "") +
        `: ${REJECTION_HINTS[reason]}`,
    );
    window.loggedMinute = minute;
    window.unlogged = 0;
  }
  if (window.writeScheduled) return refuse(400, error);
  window.writeScheduled = true;
  const scheduled = window;
  return { ...refuse(400, error), afterResponse: () => writeRejections(reason, scheduled) };
}

async function writeRejections(reason: WebhookRejectionReason, window: RejectionWindow) {
  await new Promise((resolve) => setTimeout(resolve, rejectionWriteDelayMs));
  const { pending, lastEventId } = window;
  Object.assign(window, { pending: 0, writeScheduled: false, lastEventId: null });
  await countRejection(reason, pending, lastEventId);
}

/** One statement: adds `count` to the reason's row for the current minute. */
async function countRejection(
  reason: WebhookRejectionReason,
  count: number,
  eventId: string | null,
): Promise<void> {
  try {
    await db.$executeRawUnsafe(
      `INSERT INTO "WebhookRejection" ("reason", "minute", "count", "lastAt", "lastEventId")
       VALUES ($1, date_trunc('minute', ${NOW}), $2::int, ${NOW}, $3)
       ON CONFLICT ("reason", "minute") DO UPDATE SET
         "count" = "WebhookRejection"."count" + EXCLUDED."count",
         "lastAt" = EXCLUDED."lastAt",
         "lastEventId" = COALESCE(EXCLUDED."lastEventId", "WebhookRejection"."lastEventId")`,
      reason,
      count,
      eventId,
    );
  } catch (error) {
    // Best effort: the delivery was refused either way (and this logs once per write at most).
    // Prisma's messages start with a blank line and end with the database's own words.
    const message = (error instanceof Error ? error.message : String(error)).trim();
    console.error(`[billing] could not count the refused webhook: ${message.split("\n").at(-1)}`);
  }
}

/** Timestamps are stored as UTC without a zone (Prisma's convention). */
const NOW = "(now() AT TIME ZONE 'UTC')";

/** The `id` of a refused body when it looks like a Stripe event id; nothing else is read. */
function eventIdOf(payload: string): string | null {
  try {
    const id: unknown = (JSON.parse(payload) as { id?: unknown } | null)?.id;
    return typeof id === "string" && /^evt_\w{1,100}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** For tests: forget what this process logged and gathered, and set the gathering delay. */
export function resetWebhookRejectionWindows(options: { writeDelayMs?: number } = {}): void {
  rejectionWindows.clear();
  rejectionWriteDelayMs = options.writeDelayMs ?? 5_000;
}

/** What recording asks of the queue: which customer to sync, or the outcome if none. */
function recordEvent(event: Stripe.Event) {
  // A test clock names no customer: the clock's customers are synced (their time moved).
  if (event.type === "test_helpers.test_clock.ready") return recordTestClockReady(event);
  const customerId = isHandled(event) ? customerIdOf(event) : null;
  const outcomeIfNoSync = !isHandled(event)
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
    outcomeIfNoSync,
  });
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
      return null; // names no customer: recordTestClockReady syncs the clock's customers
    case "payment_method.detached":
      // A detached payment method no longer names its customer; the previous value does.
      return idOf(event.data.object.customer) ?? idOf(event.data.previous_attributes?.customer);
    default:
      return idOf(event.data.object.customer);
  }
}
