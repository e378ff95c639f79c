import { NOW } from "@/lib/billing/sync/queue";
import type { WebhookResult } from "@/lib/billing/sync/receive";
import { db } from "@/lib/db";

/**
 * Refused webhook signatures: logged once a minute and counted in `WebhookRejection` in a few
 * writes a minute, so a flood of forged or misconfigured deliveries costs the database little and
 * the doctor can name the cause.
 */
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

export function rejectionReasonOf(error: unknown): WebhookRejectionReason {
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
export function refuseSignature(
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
  const refused: WebhookResult = { status: 400, body: { error }, drain: false };
  if (window.writeScheduled) return refused;
  window.writeScheduled = true;
  const scheduled = window;
  return { ...refused, afterResponse: () => writeRejections(reason, scheduled) };
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
