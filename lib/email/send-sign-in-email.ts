import { createTransport } from "nodemailer";
import { env } from "@/lib/env";
import { saveToOutbox } from "@/lib/email/outbox";
import { consumeRateLimit } from "@/lib/rate-limit";

/**
 * Sends the magic sign-in link. With an SMTP server configured it goes out by Nodemailer;
 * without one (development, tests) it lands in the local outbox and the link is printed,
 * because a developer trying the template has no mail server.
 */
export async function sendSignInEmail({ to, url }: { to: string; url: string }): Promise<void> {
  // Nobody needs more than a few links in ten minutes; more is someone flooding an inbox.
  const limit = await consumeRateLimit(`sign-in-email:${to.toLowerCase()}`, {
    limit: 5,
    windowSeconds: 600,
  });
  if (!limit.allowed) throw new Error(`Too many sign-in emails requested for ${to}.`);

  const host = new URL(env.APP_URL).host;
  const subject = `Sign in to ${host}`;
  const text = `Sign in to ${host}\n\n${url}\n\nIf you did not request this email you can safely ignore it.\n`;

  if (!env.EMAIL_SERVER) {
    await saveToOutbox({ to, subject, text, url });
    console.info(`[outbox] sign-in link for ${to}: ${url}`);
    return;
  }

  const transport = createTransport(env.EMAIL_SERVER);
  const result = await transport.sendMail({ to, from: env.EMAIL_FROM, subject, text });
  const failed = [...result.rejected, ...(result.pending ?? [])].filter(Boolean);
  if (failed.length > 0) throw new Error(`The sign-in email to ${to} could not be sent.`);
}
