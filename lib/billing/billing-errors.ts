import Stripe from "stripe";
import { PortalNotConfiguredError } from "@/lib/billing/portal-configuration";

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
  if (error instanceof Stripe.errors.StripeError) {
    console.error(
      `[billing] ${action} failed: ${error.type} ${error.code ?? ""} ${error.message} ` +
        `(request ${error.requestId ?? "none"}, status ${error.statusCode ?? "none"})`,
    );
    if (error instanceof Stripe.errors.StripeConnectionError)
      return new BillingActionError("unavailable");
    if (error instanceof Stripe.errors.StripeRateLimitError) return new BillingActionError("busy");
    if (error instanceof Stripe.errors.StripeAPIError) return new BillingActionError("unavailable");
    // A wrong or revoked key, or one without the needed permission: retrying never helps, the
    // founder must fix the configuration (the log line above names the cause).
    if (
      error instanceof Stripe.errors.StripeAuthenticationError ||
      error instanceof Stripe.errors.StripePermissionError
    ) {
      return new BillingActionError("billing_unavailable");
    }
    if (
      error instanceof Stripe.errors.StripeInvalidRequestError &&
      /configuration/i.test(error.message)
    ) {
      return new BillingActionError("not_configured");
    }
    return new BillingActionError("failed");
  }
  console.error(`[billing] ${action} failed:`, error);
  return new BillingActionError("failed");
}

/** Stripe answered that the object does not exist (in this key's mode, or at all). */
export function isStripeResourceMissing(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeError && error.code === "resource_missing";
}
