import { pickCurrentSubscription } from "@/lib/billing/current-subscription";
import { db } from "@/lib/db";
import type { Subscription } from "@/lib/generated/prisma/client";
import { stripeMode } from "@/lib/stripe";

/**
 * The user's current subscription in the configured mode (by the explicit rule in
 * current-subscription.ts, never "the first one"), from the synced records. Null when none.
 */
export async function loadCurrentSubscription(userId: string): Promise<Subscription | null> {
  const subscriptions = await db.subscription.findMany({
    where: { userId, livemode: stripeMode() === "live" },
  });
  return pickCurrentSubscription(subscriptions);
}
