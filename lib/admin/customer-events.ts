import { db } from "@/lib/db";

/** A customer's newest webhook events in the ledger (the customer page lists them). */
export function recentCustomerEvents(customerId: string, limit = 20) {
  return db.stripeEvent.findMany({
    where: { stripeCustomerId: customerId },
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    take: limit,
    select: {
      id: true,
      type: true,
      outcome: true,
      attempts: true,
      lastError: true,
      receivedAt: true,
      processedAt: true,
    },
  });
}
