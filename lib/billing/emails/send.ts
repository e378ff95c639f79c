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
  kind: string;
  stripeCustomerId: string;
  subjectId: string | null;
  attempts: number;
};

/**
 * Claims one due email whose customer has no sync waiting (the email reads the synced records,
 * so it waits for them), under a lease: two drains never send the same email.
 */
async function claimDueEmail(customerIds?: readonly string[]): Promise<ClaimedEmail | null> {
  const [row] = await db.$queryRawUnsafe<ClaimedEmail[]>(
    `UPDATE "BillingEmail" SET "leaseUntil" = ${NOW} + make_interval(secs => ${LEASE_SECONDS})
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
     RETURNING "id", "kind", "stripeCustomerId", "subjectId", "attempts"`,
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
      await finish(email.id, "skipped", composed.reason);
      report.skipped += 1;
      return;
    }
    const rendered = await renderBillingEmail(composed.content, emailBrand());
    for (const to of composed.to) {
      await deliverEmail({ to, ...rendered, url: composed.content.actionUrl });
    }
    await finish(email.id, "sent", `to ${composed.to.join(", ")}`);
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
         "status" = $4, "runAfter" = ${NOW} + make_interval(secs => $5::double precision)
       WHERE "id" = $1`,
      email.id,
      attempts,
      message,
      givenUp ? "failed" : "pending",
      emailBackoffSeconds(attempts),
    );
    report.failed += 1;
  }
}

async function finish(id: string, status: "sent" | "skipped", detail: string): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE "BillingEmail" SET "status" = $2, "detail" = $3, "leaseUntil" = NULL,
       "sentAt" = CASE WHEN $2 = 'sent' THEN ${NOW} ELSE NULL END
     WHERE "id" = $1`,
    id,
    status,
    detail,
  );
}
