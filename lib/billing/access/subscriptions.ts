import { pickCurrentSubscription } from "@/lib/billing/access/current-subscription";
import { db } from "@/lib/db";
import type { Subscription } from "@/lib/generated/prisma/client";
import { stripeMode } from "@/lib/stripe";

/** All of the user's synced subscriptions in the configured mode. */
export function loadSubscriptions(userId: string): Promise<Subscription[]> {
  return db.subscription.findMany({ where: { userId, livemode: stripeMode() === "live" } });
}

/**
 * The user's current subscription in the configured mode (by the explicit rule in
 * access/current-subscription.ts, never "the first one"), from the synced records. Null when none.
 */
export async function loadCurrentSubscription(userId: string): Promise<Subscription | null> {
  return pickCurrentSubscription(await loadSubscriptions(userId));
}

/** A synced subscription's status, or null when we have no record of it. */
export async function storedSubscriptionStatus(id: string | null): Promise<string | null> {
  if (!id) return null;
  const row = await db.subscription.findUnique({ where: { id }, select: { status: true } });
  return row?.status ?? null;
}
