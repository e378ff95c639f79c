import { NextResponse, type NextRequest } from "next/server";
import {
  BILLING_NOTICE_COOKIE,
  BILLING_NOTICE_HEADER,
  BILLING_PAGE_PATH,
} from "@/lib/billing/sessions/notice-cookie";
import { env } from "@/lib/env";

// Auth.js's database-session cookie (the __Secure- variant is used on https).
const SESSION_COOKIES = ["authjs.session-token", "__Secure-authjs.session-token"];

/**
 * Sends anonymous visitors of protected areas to sign-in, remembering where they were going.
 * A convenience only: it looks for the cookie without checking it; pages and actions verify the
 * session themselves.
 */
export function proxy(request: NextRequest) {
  if (!SESSION_COOKIES.some((name) => request.cookies.has(name))) {
    const { pathname, search } = request.nextUrl;
    const signIn = new URL("/sign-in", env.APP_URL);
    signIn.search = new URLSearchParams({ callbackUrl: pathname + search }).toString();
    return NextResponse.redirect(signIn);
  }
  return consumeBillingNotice(request);
}

/**
 * A billing return's notice is shown once: the cookie is handed to the page as a request header
 * and cleared in the same response, so a reload shows no second "thank you" (no JavaScript needed).
 */
function consumeBillingNotice(request: NextRequest): NextResponse {
  const headers = new Headers(request.headers);
  headers.delete(BILLING_NOTICE_HEADER);
  const notice = request.cookies.get(BILLING_NOTICE_COOKIE)?.value;
  if (!notice || request.nextUrl.pathname !== BILLING_PAGE_PATH) {
    return NextResponse.next({ request: { headers } });
  }
  headers.set(BILLING_NOTICE_HEADER, notice);
  const response = NextResponse.next({ request: { headers } });
  response.cookies.set(BILLING_NOTICE_COOKIE, "", { path: BILLING_PAGE_PATH, maxAge: 0 });
  return response;
}

export const config = { matcher: ["/settings/:path*"] };
