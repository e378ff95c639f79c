import { createTransport } from "nodemailer";
import { env } from "@/lib/env";
import { saveToOutbox } from "@/lib/email/outbox";

export type OutgoingEmail = {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** The email's one link (its button): the outbox keeps it for tests and /dev/outbox. */
  url?: string;
};

/**
 * True when emails land in the local outbox instead of an SMTP server: no EMAIL_SERVER, and
 * either not a production build or EMAIL_OUTBOX=1 (local `next start`, end-to-end tests).
 */
export function emailsGoToOutbox(): boolean {
  return !env.EMAIL_SERVER && (env.NODE_ENV !== "production" || env.EMAIL_OUTBOX === "1");
}

/**
 * Throws when no email can be delivered: a production build without EMAIL_SERVER (and without
 * EMAIL_OUTBOX=1). lib/env.ts already stops such a deployment at start; this keeps emails (and
 * the links in them) out of a production database or log if that check is ever bypassed.
 * `what` names the email in the message ("a sign-in link").
 */
export function assertEmailDeliverable(what = "an email"): void {
  if (!env.EMAIL_SERVER && !emailsGoToOutbox()) {
    throw new Error(
      `EMAIL_SERVER is not set: refusing to send ${what} in production (set EMAIL_SERVER to an SMTP URL; EMAIL_OUTBOX=1 only for a local production build)`,
    );
  }
}

/**
 * Nodemailer waits minutes by default (2 min to connect, 10 min on an idle socket): longer than a
 * billing email's lease and a serverless function's life, so a slow server could have the same
 * email sent twice. Timeouts already in EMAIL_SERVER's query string (Nodemailer reads them there)
 * are kept.
 */
export const SMTP_TIMEOUTS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
};

export function withSmtpTimeouts(serverUrl: string): string {
  const url = new URL(serverUrl);
  for (const [name, ms] of Object.entries(SMTP_TIMEOUTS)) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, String(ms));
  }
  return url.toString();
}

/**
 * The one way the app sends email. With EMAIL_SERVER it goes out through Nodemailer from
 * EMAIL_FROM, with its text part and (when given) its HTML part, and throws when the server
 * refuses it (callers retry). Without it: the local outbox (`/dev/outbox`) outside production or
 * with EMAIL_OUTBOX=1, otherwise a refusal (`assertEmailDeliverable`).
 */
export async function deliverEmail(email: OutgoingEmail): Promise<void> {
  assertEmailDeliverable();
  if (!env.EMAIL_SERVER) {
    await saveToOutbox(email);
    return;
  }
  const transport = createTransport(withSmtpTimeouts(env.EMAIL_SERVER));
  try {
    const result = await transport.sendMail({
      to: email.to,
      from: env.EMAIL_FROM,
      subject: email.subject,
      text: email.text,
      ...(email.html === undefined ? {} : { html: email.html }),
    });
    const failed = [...result.rejected, ...(result.pending ?? [])].filter(Boolean);
    if (failed.length > 0) {
      throw new Error(
        `The email "${email.subject}" to ${email.to} was refused by the SMTP server.`,
      );
    }
  } finally {
    transport.close();
  }
}
