"use server";

import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth/require-user";
import { toBillingActionError } from "@/lib/billing/billing-errors";
import { openCheckoutUrl, startSubscription } from "@/lib/billing/checkout";
import { createPortalSessionUrl, parsePortalRequest } from "@/lib/billing/portal";

const BILLING_PAGE = "/settings/billing";

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
  if (!parsed.ok) redirect(`${BILLING_PAGE}?error=failed`);
  let url: string;
  try {
    url = await createPortalSessionUrl(user.id, parsed.request);
  } catch (error) {
    redirect(`${BILLING_PAGE}?error=${toBillingActionError(error, "open portal").code}`);
  }
  redirect(url);
}

/** Subscribes to a catalog price through Checkout (or the portal, for existing subscribers). */
export async function subscribeToPlan(formData: FormData): Promise<void> {
  const user = await requireUser(BILLING_PAGE);
  let url: string;
  try {
    ({ url } = await startSubscription(user.id, field(formData, "price") ?? ""));
  } catch (error) {
    redirect(`${BILLING_PAGE}?error=${toBillingActionError(error, "start subscription").code}`);
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
    redirect(`${BILLING_PAGE}?error=${toBillingActionError(error, "continue checkout").code}`);
  }
  redirect(url);
}
