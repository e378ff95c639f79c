/**
 * How a one-off billing notice (a return from Stripe, an action's error) reaches the page: the
 * route or Server Action sets the cookie, the proxy (proxy.ts) hands it to the page as a request
 * header and clears it, so a reload never repeats it and no link can make the page show one.
 * Constants only, so the proxy imports nothing heavy.
 */
export const BILLING_PAGE_PATH = "/settings/billing";
export const BILLING_NOTICE_COOKIE = "billing_notice";
export const BILLING_NOTICE_HEADER = "x-billing-notice";

export function billingNoticeCookieOptions(appUrl: string) {
  return {
    path: BILLING_PAGE_PATH,
    httpOnly: true,
    sameSite: "lax" as const,
    secure: appUrl.startsWith("https://"),
    // Long enough for a slow redirect, short enough never to surface on a later visit.
    maxAge: 120,
  };
}
