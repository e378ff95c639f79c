import { NextResponse } from "next/server";
import { currentUser } from "@/lib/auth/require-user";
import {
  BILLING_NOTICE_COOKIE,
  BILLING_PAGE_PATH,
  billingNoticeCookieOptions,
} from "@/lib/billing/sessions/notice-cookie";
import { completeBillingReturn, type BillingNoticeCode } from "@/lib/billing/sessions/returns";
import { env } from "@/lib/env";

export const dynamic = "force-dynamic";
// A Stripe read or three before the redirect; the default limit is plenty, but say so.
export const maxDuration = 30;

/**
 * GET /api/billing/return?from=portal|checkout|checkout_canceled — where Stripe sends the customer
 * back. Syncs their own customer from Stripe (a read: nothing in Stripe changes), then 303s to the
 * clean billing page with a one-off notice cookie, so a reload repeats nothing.
 */
export async function GET(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const user = await currentUser();
  if (!user) {
    const back = `${url.pathname}?${url.searchParams.toString()}`;
    return NextResponse.redirect(
      new URL(`/sign-in?callbackUrl=${encodeURIComponent(back)}`, env.APP_URL),
      303,
    );
  }
  let notice: BillingNoticeCode | null;
  try {
    notice = await completeBillingReturn(user.id, Object.fromEntries(url.searchParams));
  } catch (error) {
    // The way back from Stripe never ends on an error page: the billing page says what failed.
    console.error(
      "[billing] return from Stripe failed:",
      error instanceof Error ? error.message : error,
    );
    notice = "failed";
  }
  const response = NextResponse.redirect(new URL(BILLING_PAGE_PATH, env.APP_URL), 303);
  if (notice) {
    response.cookies.set(BILLING_NOTICE_COOKIE, notice, billingNoticeCookieOptions(env.APP_URL));
  }
  return response;
}
