import Stripe from "stripe";
import { classifyStripeError } from "@/lib/billing/stripe/errors";

/**
 * Stripe could not be reached, or refused the key: the run stops before changing anything, rather
 * than reporting "0 failed" for a walk that could not check a single customer.
 */
export class StripeUnavailableError extends Error {
  constructor(
    readonly base: string,
    readonly reason: "unreachable" | "key_refused",
    detail: string,
  ) {
    super(
      reason === "unreachable"
        ? `could not reach Stripe at ${base}: ${detail}`
        : `Stripe at ${base} refused the key: ${detail}`,
    );
    this.name = "StripeUnavailableError";
  }
}

/** Where a client sends its requests, e.g. https://api.stripe.com or http://localhost:12111. */
export function stripeApiBase(stripe: Stripe): string {
  const protocol = String(stripe.getApiField("protocol") ?? "https");
  const host = String(stripe.getApiField("host") ?? "api.stripe.com");
  const port = Number(stripe.getApiField("port"));
  const defaultPort = protocol === "https" ? 443 : 80;
  return `${protocol}://${host}${port && port !== defaultPort ? `:${port}` : ""}`;
}

/**
 * One cheap read before any work. Only an unreachable Stripe or a refused key stops the run;
 * anything else (a 429, a 500) is left to the walk, which retries and reports per customer.
 */
export async function assertStripeAvailable(stripe: Stripe): Promise<void> {
  try {
    await stripe.customers.list({ limit: 1 });
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) return;
    // Not every `unavailable` kind: a 500 from Stripe is left to the walk's retries.
    if (error instanceof Stripe.errors.StripeConnectionError) {
      throw new StripeUnavailableError(stripeApiBase(stripe), "unreachable", error.message);
    }
    if (classifyStripeError(error) === "misconfigured") {
      throw new StripeUnavailableError(stripeApiBase(stripe), "key_refused", error.message);
    }
  }
}
