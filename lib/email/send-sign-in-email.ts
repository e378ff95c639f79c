import { createTransport } from "nodemailer";
import {
  consumeSignInEmailLimits,
  currentRequestClientIp,
  SignInEmailLimitError,
  signInLimitsAlreadyChecked,
} from "@/lib/auth/sign-in-limits";
import { env } from "@/lib/env";
import { saveToOutbox } from "@/lib/email/outbox";

/**
 * Sends the magic sign-in link. With an SMTP server configured it goes out by Nodemailer;
 * without one (development, tests) it lands in the local outbox and the link is printed,
 * because a developer trying the template has no mail server. A production build never prints a
 * link (anyone who reads the logs could sign in as that customer): without EMAIL_SERVER it only
 * fills the outbox when EMAIL_OUTBOX=1 (local `next start`, end-to-end tests), and otherwise
 * refuses to send.
 */
export async function sendSignInEmail({ to, url }: { to: string; url: string }): Promise<void> {
  const production = env.NODE_ENV === "production";
  // lib/env.ts already stops such a deployment at start; this keeps the link out of the logs if
  // that check is ever bypassed.
  if (!env.EMAIL_SERVER && production && env.EMAIL_OUTBOX !== "1") {
    throw new Error(
      "EMAIL_SERVER is not set: refusing to send a sign-in link in production (set EMAIL_SERVER to an SMTP URL; EMAIL_OUTBOX=1 only for a local production build)",
    );
  }

  // The sign-in page's Server Action counts its emails before Auth.js gets here; anything else
  // that makes Auth.js send one (a POST straight to /api/auth/signin/email) is counted here.
  if (!signInLimitsAlreadyChecked()) {
    const limit = await consumeSignInEmailLimits({ email: to, ip: await currentRequestClientIp() });
    if (!limit.allowed) throw new SignInEmailLimitError(limit.limitedBy, limit.retryAfterSeconds);
  }

  const host = new URL(env.APP_URL).host;
  const subject = `Sign in to ${host}`;
  const text = `Sign in to ${host}\n\n${url}\n\nIf you did not request this email you can safely ignore it.\n`;

  if (!env.EMAIL_SERVER) {
    await saveToOutbox({ to, subject, text, url });
    if (!production) console.info(`[outbox] sign-in link for ${to}: ${url}`);
    return;
  }

  const transport = createTransport(env.EMAIL_SERVER);
  const result = await transport.sendMail({ to, from: env.EMAIL_FROM, subject, text });
  const failed = [...result.rejected, ...(result.pending ?? [])].filter(Boolean);
  if (failed.length > 0) throw new Error(`The sign-in email to ${to} could not be sent.`);
}
