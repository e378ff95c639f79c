import { BillingActionError } from "@/lib/billing/sessions/errors";
import { consumeRateLimit } from "@/lib/rate-limit";

/** Portal and checkout sessions a user may create per minute: plenty for people, not for loops. */
export const BILLING_SESSIONS_PER_MINUTE = 10;

/** Throws `rate_limited` once a user has opened too many portal/checkout sessions this minute. */
export async function enforceBillingRateLimit(userId: string): Promise<void> {
  const result = await consumeRateLimit(`billing-session:${userId}`, {
    limit: BILLING_SESSIONS_PER_MINUTE,
    windowSeconds: 60,
  });
  if (!result.allowed) throw new BillingActionError("rate_limited");
}

/** Syncs on returns from Stripe a user may cause per minute (more than any person clicks). */
export const BILLING_RETURN_SYNCS_PER_MINUTE = 20;

/** Whether this return from Stripe may sync; past the limit the page shows the records as they are. */
export async function allowBillingReturnSync(userId: string): Promise<boolean> {
  const result = await consumeRateLimit(`billing-return:${userId}`, {
    limit: BILLING_RETURN_SYNCS_PER_MINUTE,
    windowSeconds: 60,
  });
  return result.allowed;
}
