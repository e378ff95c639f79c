/**
 * How a billing return's one-off notice reaches the page: the return route sets the cookie, the
 * proxy (proxy.ts) hands it to the page as a request header and clears it. Constants only, so the
 * proxy imports nothing heavy.
 */
export const BILLING_PAGE_PATH = "/settings/billing";
export const BILLING_NOTICE_COOKIE = "billing_notice";
export const BILLING_NOTICE_HEADER = "x-billing-notice";
