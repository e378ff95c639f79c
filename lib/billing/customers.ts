import type Stripe from "stripe";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { testClockForNewCustomer } from "@/lib/billing/customers-test-clock";
import { withLease } from "@/lib/lease";
import { getStripe, stripeMode } from "@/lib/stripe";

/** The stored customer cannot serve this user: it is recorded for, or made for, someone else. */
export class BillingCustomerMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BillingCustomerMismatchError";
  }
}

/** The lease that serializes creating or adopting a user's customer. */
const creationLease = (userId: string) => `customer-create:${userId}`;

/**
 * The user's Stripe customer id in the configured mode, creating the customer on first need.
 * The id only ever comes from our database or from Stripe, never from the browser. Concurrent first
 * calls are serialized on a lease keyed on the user id (held in a row, not a connection, since it
 * spans the Stripe call), and the Stripe call carries an idempotency key derived from the user id,
 * so a retried or raced call cannot make a second one.
 */
export async function getOrCreateStripeCustomer(userId: string): Promise<string> {
  const existing = await customerOfMode(db, userId);
  if (existing) return existing;

  return withLease(creationLease(userId), async () => {
    const raced = await customerOfMode(db, userId);
    if (raced) return raced;
    const user = await db.user.findUniqueOrThrow({
      where: { id: userId },
      select: { email: true, name: true },
    });

    // After a customer was deleted, a new one needs a new key: Stripe replays a key for 24 hours.
    const previous = await db.billingCustomer.findFirst({
      where: { userId, deleted: true },
      orderBy: { createdAt: "desc" },
      select: { id: true },
    });
    const idempotencyKey = previous
      ? `customer-create:${userId}:after:${previous.id}`
      : `customer-create:${userId}`;

    // Development and tests only (STRIPE_TEST_CLOCK_EMAILS): the customer gets a clock of its own.
    const testClock = await testClockForNewCustomer(userId, user.email, idempotencyKey);
    const customer = await getStripe().customers.create(
      {
        email: user.email,
        name: user.name ?? undefined,
        metadata: { userId },
        ...(testClock && { test_clock: testClock }),
      },
      { idempotencyKey },
    );
    assertOwnedBy(customer, userId);

    await recordCustomer(customer, userId, { pointUser: "always" });
    return customer.id;
  });
}

/**
 * Records a Stripe customer of `userId` that our database lost (reconciliation finds it by
 * `metadata.userId`). Under the creation lease, so it never races a user's first checkout; the
 * user keeps an existing customer id.
 */
export async function adoptStripeCustomer(
  customer: Stripe.Customer,
  userId: string,
): Promise<void> {
  assertOwnedBy(customer, userId);
  await withLease(creationLease(userId), () =>
    recordCustomer(customer, userId, { pointUser: "ifNone" }),
  );
}

/**
 * The app's record of a customer, and the user's pointer to it: always for a customer just created
 * for the configured mode, only when the user has none for one found again by reconciliation.
 */
async function recordCustomer(
  customer: Stripe.Customer,
  userId: string,
  { pointUser }: { pointUser: "always" | "ifNone" },
): Promise<void> {
  await db.$transaction([
    db.billingCustomer.upsert({
      where: { id: customer.id },
      create: {
        id: customer.id,
        userId,
        livemode: customer.livemode,
        email: customer.email,
        name: customer.name ?? null,
      },
      update: {},
    }),
    db.user.updateMany({
      where: pointUser === "always" ? { id: userId } : { id: userId, stripeCustomerId: null },
      data: { stripeCustomerId: customer.id },
    }),
  ]);
}

/** The user's customer id in the configured mode, or null; never creates one. */
export function findStripeCustomerId(userId: string): Promise<string | null> {
  return customerOfMode(db, userId);
}

/** A customer not created for this user (by metadata) is never used. */
export function assertOwnedBy(customer: Stripe.Customer, userId: string): void {
  if (customer.metadata.userId !== userId) {
    throw new BillingCustomerMismatchError(
      `Stripe customer ${customer.id} does not belong to user ${userId} (metadata.userId differs).`,
    );
  }
}

/**
 * The user's customer in the configured mode. The stored pointer is used when it is this mode's;
 * after the key's mode changed (test keys replaced by live ones) it points at the other mode's
 * customer, which is never used: the user's customer of this mode is, if one exists. A pointer to a
 * customer recorded for someone else is refused.
 */
async function customerOfMode(
  client: Prisma.TransactionClient,
  userId: string,
): Promise<string | null> {
  const user = await client.user.findUnique({
    where: { id: userId },
    select: { stripeCustomerId: true },
  });
  if (!user) throw new Error(`No user ${userId}.`);
  const live = stripeMode() === "live";
  if (user.stripeCustomerId) {
    const record = await client.billingCustomer.findUnique({
      where: { id: user.stripeCustomerId },
      select: { userId: true, livemode: true },
    });
    if (!record || record.userId !== userId) {
      throw new BillingCustomerMismatchError(
        `Customer ${user.stripeCustomerId} is not recorded for user ${userId}.`,
      );
    }
    if (record.livemode === live) return user.stripeCustomerId;
  }
  const ofMode = await client.billingCustomer.findFirst({
    where: { userId, livemode: live, deleted: false },
    orderBy: { createdAt: "desc" },
    select: { id: true },
  });
  return ofMode?.id ?? null;
}
