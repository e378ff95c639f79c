/** Stripe-shaped API errors: `{error: {type, code, message, param, decline_code}}`. */
export type ErrorType =
  | "invalid_request_error"
  | "card_error"
  | "api_error"
  | "authentication_error"
  | "idempotency_error";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly code?: string,
    readonly param?: string,
    readonly declineCode?: string,
  ) {
    super(message);
  }

  toJSON(requestId: string): { error: Record<string, string> } {
    const error: Record<string, string> = { type: this.type, message: this.message };
    if (this.code) error.code = this.code;
    if (this.param) error.param = this.param;
    if (this.declineCode) error.decline_code = this.declineCode;
    if (this.code)
      error.doc_url = `https://docs.stripe.com/error-codes/${this.code.replace(/_/g, "-")}`;
    error.request_log_url = `https://dashboard.stripe.com/logs/${requestId}`;
    return { error };
  }
}

export const missing = (param: string): ApiError =>
  new ApiError(
    400,
    "invalid_request_error",
    `Missing required param: ${param}.`,
    "parameter_missing",
    param,
  );

export const invalid = (param: string, message?: string): ApiError =>
  new ApiError(
    400,
    "invalid_request_error",
    message ?? `Invalid value for ${param}.`,
    "parameter_invalid",
    param,
  );

/** Stripe answers 404 for a missing path object and 400 for a missing object named in a param. */
export const noSuch = (what: string, id: string, param?: string): ApiError =>
  new ApiError(
    param && param !== "id" ? 400 : 404,
    "invalid_request_error",
    `No such ${what}: '${id}'`,
    "resource_missing",
    param ?? "id",
  );

export const badRequest = (message: string, param?: string, code?: string): ApiError =>
  new ApiError(400, "invalid_request_error", message, code, param);

export const cardDeclined = (declineCode = "generic_decline", param?: string): ApiError =>
  new ApiError(402, "card_error", "Your card was declined.", "card_declined", param, declineCode);

export const unknownParam = (param: string): ApiError =>
  new ApiError(
    400,
    "invalid_request_error",
    `Received unknown parameter: ${param}`,
    "parameter_unknown",
    param,
  );

/**
 * Stripe's 429 (`StripeRateLimitError` in the SDK). No `Stripe-Should-Retry` header is sent, so
 * the SDK does not retry it by itself: callers must back off.
 */
export const rateLimited = (): ApiError =>
  new ApiError(
    429,
    "invalid_request_error",
    "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.",
    "rate_limit",
  );
