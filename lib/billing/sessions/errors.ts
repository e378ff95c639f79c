import Stripe from "stripe";
import { PortalNotConfiguredError } from "@/lib/billing/config/portal";
import { classifyStripeError, describeStripeError } from "@/lib/billing/stripe/errors";

/**
 * lib/billing/sessions/: what a signed-in customer starts (Checkout and its return, the portal and
 * its deep links), their rate limits, and the one catalogue of customer-facing billing messages
 * (BILLING_ERROR_MESSAGES here, BILLING_NOTICES in returns.ts). Imported by app/ only.
 */

/**
 * A billing action that cannot go ahead, with a message fit to show the customer. `code` is what
 * travels back to the billing page, in the one-off notice cookie (sessions/notice-cookie.ts);
 * never the message itself, and never in the URL, so a link cannot make the page say anything.
 */
export class BillingActionError extends Error {
  constructor(
    readonly code: BillingErrorCode,
    message?: string,
  ) {
    super(message ?? BILLING_ERROR_MESSAGES[code]);
    this.name = "BillingActionError";
  }
}

export const BILLING_ERROR_MESSAGES = {
  unavailable:
    "We couldn't reach our payment provider just now. Nothing was changed; please try again in a minute.",
  busy: "Our payment provider is busy. Nothing was changed; please try again in a minute.",
  not_configured:
    "Billing management isn't set up for this environment yet. Please contact support.",
  billing_unavailable:
    "Billing is unavailable right now because of a problem on our side. Nothing was changed, and we've been alerted; please contact support if it lasts.",
  rate_limited: "Too many billing requests in a short time. Please wait a minute and try again.",
  no_subscription: "You don't have an active subscription to change.",
  already_subscribed:
    "You already have a subscription. Change your plan from the billing page instead.",
  unknown_plan: "That plan isn't available.",
  same_plan: "You're already on that plan.",
  checkout_mismatch: "That checkout session doesn't belong to your account.",
  checkout_not_open: "There is no checkout to continue. Choose a plan to start again.",
  invalid_seats: "That number of seats isn't available for this plan.",
  trial_unavailable: "That plan has no free trial.",
  trial_used:
    "The free trial is for your first subscription only, and you've had one. You can subscribe to the plan instead.",
  failed: "Something went wrong with billing. Nothing was changed; please try again.",
} as const;

export type BillingErrorCode = keyof typeof BILLING_ERROR_MESSAGES;

export function isBillingErrorCode(value: unknown): value is BillingErrorCode {
  return typeof value === "string" && Object.hasOwn(BILLING_ERROR_MESSAGES, value);
}

/**
 * Turns anything thrown while talking to Stripe into a BillingActionError, logging the details
 * (with Stripe's request id, which support needs) but never a stack trace to the customer.
 */
export function toBillingActionError(error: unknown, action: string): BillingActionError {
  if (error instanceof BillingActionError) return error;
  if (error instanceof PortalNotConfiguredError) {
    console.error(`[billing] ${action} failed: ${error.message}`);
    return new BillingActionError("not_configured");
  }
  if (!(error instanceof Stripe.errors.StripeError)) {
    console.error(`[billing] ${action} failed:`, error);
    return new BillingActionError("failed");
  }
  console.error(`[billing] ${action} failed: ${describeStripeError(error)}`);
  const kind = classifyStripeError(error);
  // A misconfigured key: the founder must fix it (the log line above names the cause).
  return new BillingActionError(kind === "misconfigured" ? "billing_unavailable" : kind);
}
