import Stripe from "stripe";

/**
 * What a Stripe error means for the caller, by its class: `unavailable` (network or Stripe's
 * side: retry later), `busy` (rate limited), `misconfigured` (a wrong or revoked key, or one
 * without the needed permission: retrying never helps), `not_configured` (a missing portal
 * configuration), `failed` (anything else).
 */
export type StripeErrorKind =
  "unavailable" | "busy" | "misconfigured" | "not_configured" | "failed";

export function classifyStripeError(error: Stripe.errors.StripeError): StripeErrorKind {
  if (error instanceof Stripe.errors.StripeConnectionError) return "unavailable";
  if (error instanceof Stripe.errors.StripeRateLimitError) return "busy";
  if (error instanceof Stripe.errors.StripeAPIError) return "unavailable";
  if (
    error instanceof Stripe.errors.StripeAuthenticationError ||
    error instanceof Stripe.errors.StripePermissionError
  ) {
    return "misconfigured";
  }
  if (
    error instanceof Stripe.errors.StripeInvalidRequestError &&
    /configuration/i.test(error.message)
  )
    return "not_configured";
  return "failed";
}

/** One log line for a Stripe error, with the request id support needs; never a stack. */
export function describeStripeError(error: Stripe.errors.StripeError): string {
  return (
    `${error.type} ${error.code ?? ""} ${error.message} ` +
    `(request ${error.requestId ?? "none"}, status ${error.statusCode ?? "none"})`
  );
}

/** Stripe answered that the object does not exist (in this key's mode, or at all). */
export function isStripeResourceMissing(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeError && error.code === "resource_missing";
}
