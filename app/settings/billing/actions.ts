"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth/require-user";
import { toBillingActionError, type BillingErrorCode } from "@/lib/billing/sessions/errors";
import { openCheckoutUrl, startSubscription } from "@/lib/billing/sessions/checkout";
import { createPortalSessionUrl, parsePortalRequest } from "@/lib/billing/sessions/portal";
import {
  BILLING_NOTICE_COOKIE,
  BILLING_PAGE_PATH as BILLING_PAGE,
  billingNoticeCookieOptions,
} from "@/lib/billing/sessions/notice-cookie";
import { env } from "@/lib/env";

/** Back to the billing page with the error shown once (a cookie, not a linkable query string). */
async function backWithError(code: BillingErrorCode): Promise<never> {
  (await cookies()).set(BILLING_NOTICE_COOKIE, code, billingNoticeCookieOptions(env.APP_URL));
  redirect(BILLING_PAGE);
}

function field(formData: FormData, name: string): string | undefined {
  const value = formData.get(name);
  return typeof value === "string" ? value : undefined;
}

/** Opens the Customer Portal (home or a deep link) for the signed-in user, by 303 redirect. */
export async function openBillingPortal(formData: FormData): Promise<void> {
  const user = await requireUser(BILLING_PAGE);
  const parsed = parsePortalRequest({
    flow: field(formData, "flow"),
    price: field(formData, "price"),
  });
  if (!parsed.ok) return backWithError("failed");
  let url: string;
  try {
    url = await createPortalSessionUrl(user.id, parsed.request);
  } catch (error) {
    return backWithError(toBillingActionError(error, "open portal").code);
  }
  redirect(url);
}

/**
 * Subscribes to a catalog price through Checkout (or the portal, for existing subscribers), with
 * the seats and the free trial the form asked for (checked again in lib/, never trusted).
 */
export async function subscribeToPlan(formData: FormData): Promise<void> {
  const user = await requireUser(BILLING_PAGE);
  let url: string;
  try {
    ({ url } = await startSubscription(user.id, field(formData, "price") ?? "", {
      seats: field(formData, "seats"),
      trial: field(formData, "trial") === "1",
    }));
  } catch (error) {
    return backWithError(toBillingActionError(error, "start subscription").code);
  }
  redirect(url);
}

/** Continues the user's own open Checkout ("Checkout isn't finished"). */
export async function continueCheckout(): Promise<void> {
  const user = await requireUser(BILLING_PAGE);
  let url: string;
  try {
    url = await openCheckoutUrl(user.id);
  } catch (error) {
    return backWithError(toBillingActionError(error, "continue checkout").code);
  }
  redirect(url);
}
