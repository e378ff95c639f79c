import type Stripe from "stripe";
import { lockForTransaction } from "@/lib/billing/advisory-lock";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { getStripe, stripeMode } from "@/lib/stripe";

/** The stored customer cannot serve this user (other mode, or owned by someone else). */
export class BillingCustomerMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BillingCustomerMismatchError";
  }
}

// Generous: under a burst, callers queue on the user's lock while one of them talks to Stripe.
const TRANSACTION_OPTIONS = { maxWait: 60_000, timeout: 60_000 } as const;

/**
 * The user's Stripe customer id in the configured mode, creating the customer on first need.
 * The id only ever comes from our database or from Stripe, never from the browser. Concurrent first
 * calls are serialized on an advisory lock keyed on the user id, and the Stripe call carries an
 * idempotency key derived from the user id, so a retried or raced call cannot make a second one.
 */
export async function getOrCreateStripeCustomer(userId: string): Promise<string> {
  const existing = await db.user.findUnique({
    where: { id: userId },
    select: { stripeCustomerId: true },
  });
  if (!existing) throw new Error(`No user ${userId}.`);
  if (existing.stripeCustomerId) return checkedStoredCustomer(userId, existing.stripeCustomerId);

  return db.$transaction(async (tx) => {
    await lockForTransaction(tx, "customerCreate", userId);
    const user = await tx.user.findUniqueOrThrow({
      where: { id: userId },
      select: { email: true, name: true, stripeCustomerId: true },
    });
    if (user.stripeCustomerId) return user.stripeCustomerId;

    // After a customer was deleted, a new one needs a new key: Stripe replays a key for 24 hours.
    const previous = await tx.billingCustomer.findFirst({
      where: { userId, deleted: true },
      orderBy: { createdAt: "desc" },
      select: { id: true },
    });
    const idempotencyKey = previous
      ? `customer-create:${userId}:after:${previous.id}`
      : `customer-create:${userId}`;

    const customer = await getStripe().customers.create(
      { email: user.email, name: user.name ?? undefined, metadata: { userId } },
      { idempotencyKey },
    );
    assertOwnedBy(customer, userId);

    await recordCustomer(tx, customer, userId);
    return customer.id;
  }, TRANSACTION_OPTIONS);
}

/**
 * Records a Stripe customer of `userId` that our database lost (reconciliation finds it by
 * `metadata.userId`). Under the creation lock, so it never races a user's first checkout; the user
 * keeps an existing customer id.
 */
export async function adoptStripeCustomer(
  customer: Stripe.Customer,
  userId: string,
): Promise<void> {
  assertOwnedBy(customer, userId);
  await db.$transaction(async (tx) => {
    await lockForTransaction(tx, "customerCreate", userId);
    await recordCustomer(tx, customer, userId);
  }, TRANSACTION_OPTIONS);
}

/** The app's record of a customer, and the user's pointer to it when the user has none yet. */
async function recordCustomer(
  tx: Prisma.TransactionClient,
  customer: Stripe.Customer,
  userId: string,
): Promise<void> {
  await tx.billingCustomer.upsert({
    where: { id: customer.id },
    create: {
      id: customer.id,
      userId,
      livemode: customer.livemode,
      email: customer.email,
      name: customer.name ?? null,
    },
    update: {},
  });
  await tx.user.updateMany({
    where: { id: userId, stripeCustomerId: null },
    data: { stripeCustomerId: customer.id },
  });
}

/** The customer id stored for `userId`, or null; never creates one. */
export async function findStripeCustomerId(userId: string): Promise<string | null> {
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { stripeCustomerId: true },
  });
  return user?.stripeCustomerId ? checkedStoredCustomer(userId, user.stripeCustomerId) : null;
}

/** A customer not created for this user (by metadata) is never used. */
export function assertOwnedBy(customer: Stripe.Customer, userId: string): void {
  if (customer.metadata.userId !== userId) {
    throw new BillingCustomerMismatchError(
      `Stripe customer ${customer.id} does not belong to user ${userId} (metadata.userId differs).`,
    );
  }
}

async function checkedStoredCustomer(userId: string, customerId: string): Promise<string> {
  const record = await db.billingCustomer.findUnique({
    where: { id: customerId },
    select: { userId: true, livemode: true },
  });
  const live = stripeMode() === "live";
  if (!record || record.userId !== userId) {
    throw new BillingCustomerMismatchError(
      `Customer ${customerId} is not recorded for user ${userId}.`,
    );
  }
  if (record.livemode !== live) {
    throw new BillingCustomerMismatchError(
      `User ${userId} has a ${record.livemode ? "live" : "test"} mode customer, but the configured ` +
        `key is ${live ? "live" : "test"} mode.`,
    );
  }
  return customerId;
}
