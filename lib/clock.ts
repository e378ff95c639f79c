/**
 * The one clock billing code reads "now" from (grace-period ends, "Cancels on", past dates).
 * Real time, except for a test-mode customer on a Stripe test clock: its billing lives at the
 * clock's frozen time (stored by the sync), so a test can advance the clock past a grace period
 * and see the plan end. Rate limiters, leases and sync bookkeeping keep the wall clock.
 */

/** The wall clock. */
export function systemNow(): Date {
  return new Date();
}

/** A synced customer's billing time: its test clock's frozen time (test mode only), else now. */
export function customerNow(
  customer: { livemode: boolean; testClockFrozenAt: Date | null } | null | undefined,
): Date {
  if (customer && !customer.livemode && customer.testClockFrozenAt) {
    return new Date(customer.testClockFrozenAt.getTime());
  }
  return systemNow();
}

/**
 * "Now" for `userId`'s billing in the configured mode. In live mode always the wall clock (live
 * customers never have test clocks, and no query is spent); in test mode the frozen time of the
 * test clock of the user's customer in this mode (the one the billing page shows), if it is on one.
 */
export async function billingNow(userId: string): Promise<Date> {
  // Loaded here so the pure modules that read the clock (page summaries) stay free of env and db.
  const [{ db }, { stripeMode }, { findStripeCustomerId }] = await Promise.all([
    import("@/lib/db"),
    import("@/lib/stripe"),
    import("@/lib/billing/customers"),
  ]);
  if (stripeMode() === "live") return systemNow();
  const customerId = await findStripeCustomerId(userId);
  if (!customerId) return systemNow();
  const customer = await db.billingCustomer.findUnique({
    where: { id: customerId },
    select: { livemode: true, testClockFrozenAt: true },
  });
  return customerNow(customer);
}
