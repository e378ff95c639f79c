import { z } from "zod";
import { safeCallbackPath } from "@/lib/auth/safe-callback";

/** Auth.js's callback for the email provider (id "email"): a request here uses the token up. */
export const EMAIL_CALLBACK_PATH = "/api/auth/callback/email";
/** Our page the emailed link opens: it names the account, and only its button uses the token. */
export const SIGN_IN_CONFIRM_PATH = "/sign-in/confirm";

/**
 * The link to email instead of Auth.js's own: our confirmation page, carrying the callback's query
 * (`callbackUrl`, `token`, `email`) unchanged. Link scanners (Microsoft Safe Links and others) GET
 * every link in an email before the person does; a GET of this page changes nothing, so the token is
 * still there when the person presses the button. Throws when Auth.js built a link that is not our
 * own email callback (AUTH_URL set to another origin than APP_URL).
 */
export function signInConfirmationLink(authJsUrl: string, appUrl: string): string {
  const url = new URL(authJsUrl);
  const app = new URL(appUrl);
  if (url.origin !== app.origin || url.pathname !== EMAIL_CALLBACK_PATH) {
    throw new Error(
      `Auth.js built the sign-in link ${url.origin}${url.pathname}, expected ${app.origin}${EMAIL_CALLBACK_PATH}: set AUTH_URL to APP_URL or leave it unset.`,
    );
  }
  const link = new URL(SIGN_IN_CONFIRM_PATH, app);
  link.search = url.search;
  return link.toString();
}

/**
 * A same-origin path for `value` (a path, or an absolute URL on the app's own origin, as Auth.js
 * writes it), or null for anything else: other origins, protocol-relative or backslash tricks,
 * other schemes, control characters, or a path that `safeCallbackPath` would not keep as it is.
 */
export function ownCallbackPath(value: string, appUrl: string): string | null {
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return null;
  const origin = new URL(appUrl).origin;
  let url: URL;
  try {
    if (/^https?:\/\//i.test(value)) url = new URL(value);
    else if (value.startsWith("/") && !value.startsWith("//")) url = new URL(value, origin);
    else return null;
  } catch {
    return null;
  }
  if (url.origin !== origin) return null;
  const path = url.pathname + url.search + url.hash;
  return safeCallbackPath(path, appUrl) === path ? path : null;
}

// One value each: a repeated parameter (an array) is refused, never guessed at.
const confirmationQuery = z.object({
  callbackUrl: z.string().min(1).max(2048),
  // Auth.js's tokens are 64 hex characters; allow any URL-safe token of sane length.
  token: z.string().regex(/^[A-Za-z0-9_-]{16,512}$/),
  email: z.email().max(254),
});

export type SignInConfirmation =
  { ok: true; email: string; callbackPath: string; action: string } | { ok: false };

/**
 * Reads the confirmation page's query. Valid only with one `token`, one `email` and a
 * `callbackUrl` on our own site; the form's target is then built here, always our own email
 * callback, so the page can never send anyone (or a token) elsewhere.
 */
export function parseSignInConfirmation(
  query: Record<string, string | string[] | undefined>,
  appUrl: string,
): SignInConfirmation {
  const parsed = confirmationQuery.safeParse(query);
  if (!parsed.success) return { ok: false };
  const callbackPath = ownCallbackPath(parsed.data.callbackUrl, appUrl);
  if (!callbackPath) return { ok: false };
  const { token, email } = parsed.data;
  const action = `${EMAIL_CALLBACK_PATH}?${new URLSearchParams({ callbackUrl: callbackPath, token, email })}`;
  return { ok: true, email, callbackPath, action };
}
