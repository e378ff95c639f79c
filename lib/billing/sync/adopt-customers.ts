import type Stripe from "stripe";
import { adoptStripeCustomer } from "@/lib/billing/customers";
import { eachCustomer } from "@/lib/billing/stripe/lists";
import { db } from "@/lib/db";

// Reconciliation's first step, on its own: the customers Stripe has and our database lost.

/**
 * Records Stripe customers that carry one of our user ids but are missing from our database (a
 * restored backup, a crash between Stripe and our commit). The user keeps an existing customer;
 * one without gets this one. Returns the ids recorded now.
 */
export async function adoptStripeCustomers(
  stripe: Stripe,
  live: boolean,
  log: (line: string) => void,
): Promise<Set<string>> {
  const adopted = new Set<string>();
  const candidates: Stripe.Customer[] = [];
  for await (const customer of eachCustomer(stripe)) {
    if (customer.metadata.userId && customer.livemode === live) candidates.push(customer);
  }
  if (candidates.length === 0) return adopted;

  const [users, recorded] = await Promise.all([
    db.user.findMany({
      where: { id: { in: [...new Set(candidates.map((c) => c.metadata.userId ?? ""))] } },
      select: { id: true },
    }),
    db.billingCustomer.findMany({
      where: { id: { in: candidates.map((c) => c.id) } },
      select: { id: true },
    }),
  ]);
  const userIds = new Set(users.map((u) => u.id));
  const recordedIds = new Set(recorded.map((r) => r.id));

  // Oldest first, so a user with several lost customers ends up pointing at the newest.
  for (const customer of candidates.reverse()) {
    const userId = customer.metadata.userId ?? "";
    if (recordedIds.has(customer.id) || !userIds.has(userId)) continue;
    await adoptStripeCustomer(customer, userId);
    adopted.add(customer.id);
    log(`${customer.id}: adopted for user ${userId} (metadata.userId)`);
  }
  return adopted;
}
