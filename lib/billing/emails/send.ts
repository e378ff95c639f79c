import { db } from "@/lib/db";
import { NOW } from "@/lib/billing/sync/queue";
import { composeBillingEmail } from "@/lib/billing/emails/compose";
import { renderBillingEmail, emailBrand } from "@/lib/email/render";
import { deliverEmail } from "@/lib/email/transport";

/** How long a claimed email is exclusive: longer than an SMTP send with its timeouts. */
const LEASE_SECONDS = 120;
/** After this many failed sends an email is given up ("failed", shown in /admin/billing). */
export const MAX_EMAIL_ATTEMPTS = 8;
const MAX_ERROR_LENGTH = 1_000;

/** 30 s, 1 min, 2 min, … up to an hour between attempts. */
export function emailBackoffSeconds(attempts: number): number {
  return Math.min(3_600, 30 * 2 ** Math.max(0, attempts - 1));
}

export type EmailReport = { sent: number; skipped: number; failed: number };

type ClaimedEmail = {
  id: string;
  eventId: string;
  kind: string;
  stripeCustomerId: string;
  subjectId: string | null;
  attempts: number;
  sentTo: string[];
  createdAt: Date;
  /** This claim's; every later update of the row requires it. */
  leaseToken: string;
};

/**
 * Claims one due email whose customer has no sync waiting (the email reads the synced records,
 * so it waits for them), under a lease: two drains never send the same email.
 */
async function claimDueEmail(customerIds?: readonly string[]): Promise<ClaimedEmail | null> {
  const [row] = await db.$queryRawUnsafe<ClaimedEmail[]>(
    `UPDATE "BillingEmail" SET "leaseUntil" = ${NOW} + make_interval(secs => ${LEASE_SECONDS}),
       "leaseToken" = gen_random_uuid()::text
     WHERE "id" = (
       SELECT e."id" FROM "BillingEmail" e
       WHERE e."status" = 'pending' AND e."runAfter" <= ${NOW}
         AND (e."leaseUntil" IS NULL OR e."leaseUntil" < ${NOW})
         AND ($1::text[] IS NULL OR e."stripeCustomerId" = ANY($1::text[]))
         AND NOT EXISTS (
           SELECT 1 FROM "CustomerSync" s
           WHERE s."customerId" = e."stripeCustomerId" AND s."requestSeq" > s."doneSeq"
         )
       ORDER BY e."createdAt"
       LIMIT 1
       FOR UPDATE SKIP LOCKED
     )
     RETURNING "id", "eventId", "kind", "stripeCustomerId", "subjectId", "attempts", "sentTo",
       "createdAt", "leaseToken"`,
    customerIds ? [...customerIds] : null,
  );
  return row ?? null;
}

/**
 * Sends the billing emails that are due, one at a time, until none is left or the budget is
 * spent. Called by the drain after its syncs; never throws for a failed send: the email waits with
 * backoff and its error is kept (the webhook pipeline is never held up by email).
 */
export async function sendDueBillingEmails(
  options: { budgetMs?: number; customerIds?: readonly string[] } = {},
): Promise<EmailReport> {
  const deadline = Date.now() + (options.budgetMs ?? 30_000);
  const report: EmailReport = { sent: 0, skipped: 0, failed: 0 };
  while (Date.now() < deadline) {
    const email = await claimDueEmail(options.customerIds);
    if (!email) break;
    await sendOne(email, report);
  }
  return report;
}

async function sendOne(email: ClaimedEmail, report: EmailReport): Promise<void> {
  try {
    const composed = await composeBillingEmail(email);
    if (!composed.send) {
      await finish(email, "skipped", composed.reason);
      report.skipped += 1;
      return;
    }
    const rendered = await renderBillingEmail(composed.content, emailBrand());
    // One message per address; a retry after a partial failure skips the ones it reached.
    for (const to of composed.to.filter((address) => !email.sentTo.includes(address))) {
      await deliverEmail({ to, ...rendered, url: composed.content.actionUrl });
      await db.$executeRawUnsafe(
        `UPDATE "BillingEmail" SET "sentTo" = array_append("sentTo", $2)
         WHERE "id" = $1 AND "leaseToken" = $3`,
        email.id,
        to,
        email.leaseToken,
      );
    }
    await finish(email, "sent", `to ${composed.to.join(", ")}`);
    report.sent += 1;
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).slice(
      0,
      MAX_ERROR_LENGTH,
    );
    const attempts = email.attempts + 1;
    const givenUp = attempts >= MAX_EMAIL_ATTEMPTS;
    console.error(
      `[billing email] ${email.kind} for ${email.stripeCustomerId} failed (attempt ${attempts}${givenUp ? ", given up" : ""}): ${message}`,
    );
    await db.$executeRawUnsafe(
      `UPDATE "BillingEmail" SET "attempts" = $2, "lastError" = $3, "leaseUntil" = NULL,
         "leaseToken" = NULL, "status" = $4,
         "runAfter" = ${NOW} + make_interval(secs => $5::double precision)
       WHERE "id" = $1 AND "leaseToken" = $6`,
      email.id,
      attempts,
      message,
      givenUp ? "failed" : "pending",
      emailBackoffSeconds(attempts),
      email.leaseToken,
    );
    report.failed += 1;
  }
}

/** Marks a claimed email done, unless its lease ran out and another drain took it. */
async function finish(
  email: ClaimedEmail,
  status: "sent" | "skipped",
  detail: string,
): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE "BillingEmail" SET "status" = $2, "detail" = $3, "leaseUntil" = NULL,
       "leaseToken" = NULL, "sentAt" = CASE WHEN $2 = 'sent' THEN ${NOW} ELSE NULL END
     WHERE "id" = $1 AND "leaseToken" = $4`,
    email.id,
    status,
    detail,
    email.leaseToken,
  );
}
