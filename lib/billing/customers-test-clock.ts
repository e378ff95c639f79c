import { systemNow } from "@/lib/clock";
import { env } from "@/lib/env";
import { getStripe, stripeMode } from "@/lib/stripe";

/**
 * Whether a new customer with this email goes on a Stripe test clock of its own
 * (STRIPE_TEST_CLOCK_EMAILS; development and tests, test mode only: lib/env.ts refuses it with
 * a live key or in a real production deployment).
 */
export function wantsTestClock(email: string | null): boolean {
  const setting = env.STRIPE_TEST_CLOCK_EMAILS;
  if (!setting || stripeMode() === "live") return false;
  if (setting === "*") return true;
  const address = (email ?? "").toLowerCase();
  return setting
    .split(",")
    .some((ending) => ending !== "" && address.endsWith(ending.trim().toLowerCase()));
}

/**
 * A new test clock, frozen at the real time now, for a customer about to be created; undefined
 * when the setting does not ask for one. The idempotency key follows the customer's, so a retried
 * creation reuses the same clock (and the customer's key sees the same parameters).
 */
export async function testClockForNewCustomer(
  userId: string,
  email: string | null,
  customerIdempotencyKey: string,
): Promise<string | undefined> {
  if (!wantsTestClock(email)) return undefined;
  const clock = await getStripe().testHelpers.testClocks.create(
    { frozen_time: Math.floor(systemNow().getTime() / 1000), name: `user ${userId}` },
    { idempotencyKey: `${customerIdempotencyKey}:test-clock` },
  );
  return clock.id;
}
