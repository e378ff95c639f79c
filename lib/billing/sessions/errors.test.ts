import Stripe from "stripe";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BILLING_ERROR_MESSAGES, toBillingActionError } from "@/lib/billing/sessions/errors";

const raw = { message: "boom", type: "api_error" } as const;

describe("toBillingActionError", () => {
  const log = vi.spyOn(console, "error").mockImplementation(() => {});
  afterEach(() => log.mockClear());

  it.each([
    [
      "a wrong or revoked key",
      new Stripe.errors.StripeAuthenticationError({
        ...raw,
        type: "invalid_request_error",
        message: "Invalid API Key provided: sk_live_****",
      }),
    ],
    [
      "a restricted key without permission",
      new Stripe.errors.StripePermissionError({ ...raw, type: "invalid_request_error" }),
    ],
  ])("%s: billing is unavailable (retrying never helps), the cause is logged", (_, error) => {
    const result = toBillingActionError(error, "portal session");
    expect(result.code).toBe("billing_unavailable");
    expect(result.message).not.toMatch(/try again/i);
    expect(String(log.mock.calls[0]?.[0])).toContain("portal session failed");
    expect(String(log.mock.calls[0]?.[0])).toContain(error.message);
  });

  it.each([
    ["a network failure", new Stripe.errors.StripeConnectionError(raw), "unavailable"],
    ["Stripe's own error", new Stripe.errors.StripeAPIError(raw), "unavailable"],
    ["a rate limit", new Stripe.errors.StripeRateLimitError(raw), "busy"],
  ] as const)("%s: the customer is asked to try again", (_, error, code) => {
    const result = toBillingActionError(error, "checkout session");
    expect(result.code).toBe(code);
    expect(BILLING_ERROR_MESSAGES[code]).toMatch(/try again/i);
  });
});
