// Seeding: users, their Stripe customers (the app's own function) and a Pro monthly subscription.
import { randomUUID } from "node:crypto";
import { CUSTOMERS, SEED_CONCURRENCY } from "./config";
import type { Lib, Seeded } from "./context";

type SeededIds = Omit<Seeded, "subscription"> & { subscriptionId: string };

export async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index] as T, index);
      }
    }),
  );
  return results;
}

export async function seedCustomers(lib: Lib): Promise<SeededIds[]> {
  const stripe = lib.getStripe();
  const price = await lib.resolvePriceId("pro", "month");
  const tag = randomUUID().slice(0, 8);
  return mapPool(
    Array.from({ length: CUSTOMERS }, (_, i) => i),
    SEED_CONCURRENCY,
    async (i) => {
      const user = await lib.db.user.create({
        data: { email: `bench-${i}-${tag}@example.test`, name: `Bench ${i}` },
      });
      const customerId = await lib.getOrCreateStripeCustomer(user.id);
      const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customerId });
      const subscription = await stripe.subscriptions.create({
        customer: customerId,
        items: [{ price }],
        default_payment_method: pm.id,
      });
      return { userId: user.id, email: user.email, customerId, subscriptionId: subscription.id };
    },
  );
}

/** The real subscription objects, retrieved once per customer before any load. */
export async function retrieveSubscriptions(lib: Lib, customers: SeededIds[]): Promise<Seeded[]> {
  const stripe = lib.getStripe();
  return mapPool(customers, SEED_CONCURRENCY, async (c) => ({
    userId: c.userId,
    email: c.email,
    customerId: c.customerId,
    subscription: await stripe.subscriptions.retrieve(c.subscriptionId),
  }));
}
