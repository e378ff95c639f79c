import type Stripe from "stripe";
import { z } from "zod";
import {
  BILLING_ERROR_MESSAGES,
  isBillingErrorCode,
  toBillingActionError,
  type BillingErrorCode,
} from "@/lib/billing/sessions/errors";
import { isStripeResourceMissing } from "@/lib/billing/stripe/errors";
import { allowBillingReturnSync } from "@/lib/billing/sessions/rate-limits";
import {
  checkoutSessionIdSchema,
  verifyCheckoutSession,
} from "@/lib/billing/sessions/checkout-return";
import { isLiveSubscriptionStatus } from "@/lib/billing/access/current-subscription";
import { BillingCustomerMismatchError, findStripeCustomerId } from "@/lib/billing/customers";
import { storedSubscriptionStatus } from "@/lib/billing/access/subscriptions";
import { idOf } from "@/lib/billing/stripe/ids";
import { syncStripeCustomer } from "@/lib/billing/sync/sync-customer";
import { env } from "@/lib/env";

/**
 * The customer's way back from Stripe (Checkout's success and cancel URLs, the portal's return URL
 * and every deep link's `after_completion` redirect) all land on one route, which syncs the
 * customer before the billing page renders and then redirects to the clean page URL
 * (post/redirect/get): a reload shows the synced state, never a second "thank you".
 */

export const BILLING_RETURN_PATH = "/api/billing/return";

export function billingReturnUrl(from: "portal" | "checkout_canceled"): string;
export function billingReturnUrl(from: "checkout", sessionIdPlaceholder: string): string;
export function billingReturnUrl(from: string, sessionId?: string): string {
  const query = new URLSearchParams({ from });
  // Stripe fills in {CHECKOUT_SESSION_ID} itself: it must stay unencoded in the URL.
  const session = sessionId ? `&session_id=${sessionId}` : "";
  return `${env.APP_URL}${BILLING_RETURN_PATH}?${query.toString()}${session}`;
}

// Ids in the query string are untrusted until Stripe confirms them.
const returnQuerySchema = z.discriminatedUnion("from", [
  z.object({ from: z.literal("portal") }),
  z.object({ from: z.literal("checkout_canceled") }),
  z.object({ from: z.literal("checkout"), session_id: checkoutSessionIdSchema }),
]);

/** The page must not wait on a slow sync for long: the webhooks bring the same state anyway. */
const RETURN_SYNC_BUDGET_MS = 8_000;

/** One-off messages the page shows after a return, carried by a short-lived cookie. */
export const BILLING_NOTICES = {
  checkout_success: { tone: "success", text: "Thank you! Your subscription is active." },
  checkout_trial: { tone: "success", text: "Thank you! Your free trial has started." },
  checkout_success_delayed: {
    tone: "success",
    text: "Thank you! Your payment went through; your plan shows here within a minute.",
  },
  checkout_processing: {
    tone: "info",
    text: "Thank you! Your payment is processing; your plan starts as soon as it is confirmed.",
  },
  checkout_open: {
    tone: "info",
    text: "Checkout isn't finished yet, and you have not been charged.",
  },
  checkout_expired: {
    tone: "info",
    text: "That checkout expired before it was completed. You have not been charged; choose a plan to start again.",
  },
  checkout_canceled: { tone: "info", text: "Checkout was canceled. You have not been charged." },
  sync_delayed: {
    tone: "info",
    text: "We couldn't refresh your billing details just now; this page may take a minute to show your latest changes.",
  },
} as const satisfies Record<string, { tone: "success" | "info"; text: string }>;

export type BillingNoticeCode = keyof typeof BILLING_NOTICES | BillingErrorCode;
export type BillingNotice = {
  code: BillingNoticeCode;
  tone: "success" | "info" | "error";
  text: string;
};

/** A notice code from the cookie, checked (the browser can send anything). */
export function billingNotice(code: string | null | undefined): BillingNotice | null {
  if (!code) return null;
  if (Object.hasOwn(BILLING_NOTICES, code)) {
    const notice = BILLING_NOTICES[code as keyof typeof BILLING_NOTICES];
    return { code: code as keyof typeof BILLING_NOTICES, ...notice };
  }
  if (isBillingErrorCode(code)) {
    return { code, tone: "error", text: BILLING_ERROR_MESSAGES[code] };
  }
  return null;
}

/**
 * Handles one return: syncs the signed-in user's own customer (never one named by the URL) and
 * says what to tell them. Invalid query strings just lead to the page. Past a per-user limit the
 * sync is skipped (a link visited in a loop must not spend the account's Stripe rate limit).
 */
export async function completeBillingReturn(
  userId: string,
  query: Record<string, string>,
): Promise<BillingNoticeCode | null> {
  const parsed = returnQuerySchema.safeParse(query);
  if (!parsed.success) return null;
  if (parsed.data.from === "checkout_canceled") return "checkout_canceled";
  if (!(await allowBillingReturnSync(userId))) return null;
  return parsed.data.from === "portal"
    ? syncAfterPortal(userId)
    : checkoutOutcome(userId, parsed.data.session_id);
}

/** Syncs within the budget; false (logged) when it failed or is still running. */
async function syncWithinBudget(customerId: string, what: string): Promise<boolean> {
  const sync = syncStripeCustomer(customerId);
  // Past the budget the sync goes on in the background; its outcome is the queue's business.
  sync.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), RETURN_SYNC_BUDGET_MS);
  });
  try {
    if ((await Promise.race([sync, budget])) === "late") {
      console.warn(`[billing] ${what}: sync of ${customerId} still running after the budget`);
      return false;
    }
    return true;
  } catch (error) {
    toBillingActionError(error, what);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function syncAfterPortal(userId: string): Promise<BillingNoticeCode | null> {
  const customerId = await findStripeCustomerId(userId);
  if (!customerId) return null;
  // On failure the webhooks carry the same change; the page catches up when they are processed.
  return (await syncWithinBudget(customerId, "sync after portal return")) ? null : "sync_delayed";
}

async function checkoutOutcome(
  userId: string,
  sessionId: string,
): Promise<BillingNoticeCode | null> {
  let verified: Awaited<ReturnType<typeof verifyCheckoutSession>>;
  try {
    verified = await verifyCheckoutSession(userId, sessionId);
  } catch (error) {
    // Another user's, another mode's or a made-up session id: not this user's checkout.
    if (error instanceof BillingCustomerMismatchError || isStripeResourceMissing(error)) {
      return "checkout_mismatch";
    }
    return toBillingActionError(error, "checkout return").code;
  }
  if (!verified) return "checkout_mismatch";
  const { session, customerId } = verified;
  // Once Stripe confirmed the session, what the customer is told follows it, whatever the sync.
  const synced = await syncWithinBudget(customerId, "sync after checkout return");
  const notice = checkoutSessionNotice(session);
  if (notice !== "checkout_success") return notice;
  if (!synced) return "checkout_success_delayed";
  const status = await storedSubscriptionStatus(idOf(session.subscription));
  if (status === "trialing") return "checkout_trial";
  // An old success link (history, a bookmark) of a subscription that has ended since.
  if (status && !isLiveSubscriptionStatus(status)) return null;
  return "checkout_success";
}

/**
 * Only a complete session that is paid (or needs no payment, as a trial) is a success; a
 * complete one still unpaid is an asynchronous payment on its way.
 */
export function checkoutSessionNotice(
  session: Pick<Stripe.Checkout.Session, "status" | "payment_status">,
): BillingNoticeCode {
  if (session.status === "open") return "checkout_open";
  if (session.status === "expired") return "checkout_expired";
  if (session.status !== "complete") return "failed";
  return session.payment_status === "unpaid" ? "checkout_processing" : "checkout_success";
}
