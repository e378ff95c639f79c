import Stripe from "stripe";
import { env } from "@/lib/env";

export type StripeMode = "test" | "live";

let client: Stripe | undefined;

/** Raised when billing is used without a Stripe key (the dev script always provides one). */
export class StripeNotConfiguredError extends Error {
  constructor() {
    super("STRIPE_SECRET_KEY is not set: billing is unavailable.");
  }
}

/**
 * The one Stripe client. Built lazily: `new Stripe(undefined)` throws, which would break
 * `next build` on machines without keys if it happened at import time.
 */
export function getStripe(): Stripe {
  if (client) return client;
  if (!env.STRIPE_SECRET_KEY) throw new StripeNotConfiguredError();
  const base = env.STRIPE_API_BASE ? new URL(env.STRIPE_API_BASE) : undefined;
  client = new Stripe(env.STRIPE_SECRET_KEY, {
    appInfo: { name: "billing-done-right" },
    maxNetworkRetries: 2,
    timeout: 15_000,
    ...(base && {
      host: base.hostname,
      port: Number(base.port || (base.protocol === "https:" ? 443 : 80)),
      protocol: base.protocol === "https:" ? "https" : "http",
    }),
  });
  return client;
}

/** The mode of the configured key: test keys and sandboxes are "test". */
export function stripeMode(): StripeMode {
  return env.STRIPE_SECRET_KEY?.includes("_live_") ? "live" : "test";
}

/** True when the app talks to the local Stripe emulator instead of api.stripe.com. */
export function usesStripeEmulator(): boolean {
  return Boolean(env.STRIPE_API_BASE);
}
