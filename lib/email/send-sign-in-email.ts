import {
  consumeSignInEmailLimits,
  currentRequestClientIp,
  SignInEmailLimitError,
  signInLimitsAlreadyChecked,
} from "@/lib/auth/sign-in-limits";
import { env } from "@/lib/env";
import { emailBrand, renderSignInEmail } from "@/lib/email/render";
import { assertEmailDeliverable, deliverEmail, emailsGoToOutbox } from "@/lib/email/transport";

/**
 * Sends the magic sign-in link through the app's one transport (lib/email/transport.ts): SMTP
 * when EMAIL_SERVER is set; otherwise (development, tests) the local outbox, and the link is
 * printed, because a developer trying the template has no mail server. A production build never
 * prints a link (anyone who reads the logs could sign in as that customer): without EMAIL_SERVER
 * it only fills the outbox when EMAIL_OUTBOX=1 (local `next start`, end-to-end tests), and
 * otherwise refuses to send.
 */
export async function sendSignInEmail({ to, url }: { to: string; url: string }): Promise<void> {
  // Before the limits are counted: a deployment that cannot send spends nobody's allowance.
  assertEmailDeliverable("a sign-in link");

  // The sign-in page's Server Action counts its emails before Auth.js gets here; anything else
  // that makes Auth.js send one (a POST straight to /api/auth/signin/email) is counted here.
  if (!signInLimitsAlreadyChecked()) {
    const limit = await consumeSignInEmailLimits({ email: to, ip: await currentRequestClientIp() });
    if (!limit.allowed) throw new SignInEmailLimitError(limit.limitedBy, limit.retryAfterSeconds);
  }

  const host = new URL(env.APP_URL).host;
  const email = await renderSignInEmail({ url, host, brand: emailBrand() });
  await deliverEmail({ to, ...email, url });
  if (emailsGoToOutbox() && env.NODE_ENV !== "production") {
    console.info(`[outbox] sign-in link for ${to}: ${url}`);
  }
}
