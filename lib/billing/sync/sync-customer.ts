import type Stripe from "stripe";
import { isLiveSubscriptionStatus } from "@/lib/billing/access/current-subscription";
import {
  invoiceData,
  isStoredInvoice,
  NO_PAYMENT_METHOD,
  paymentMethodData,
  subscriptionData,
} from "@/lib/billing/sync/records";
import {
  applyCardRecovery,
  appliedCard,
  planCardRecovery,
  recordAppliedCard,
} from "@/lib/billing/sync/card-recovery";
import { fetchSnapshot, type Snapshot } from "@/lib/billing/sync/fetch";
import {
  finishTicket,
  immediateTicket,
  takeSnapshotSlot,
  type SyncTicket,
} from "@/lib/billing/sync/queue";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { Prisma } from "@/lib/generated/prisma/client";

export type SyncResult =
  | {
      status: "synced";
      customerId: string;
      userId: string;
      subscriptions: number;
      invoices: number;
      /** False when a newer fetch had already been written: this one was older, and dropped. */
      written: boolean;
    }
  | { status: "skipped"; customerId: string; reason: string };

/**
 * Makes the app's records of one customer equal to Stripe's current state right now, outside the
 * queue: the checkout return and the sync before a plan switch must be right before any webhook
 * arrives. Goes through the same guard as the drain, so it never overwrites a newer snapshot.
 */
export async function syncStripeCustomer(customerId: string): Promise<SyncResult> {
  const owner = await ownerOf(customerId);
  // Only customers this app created (customers.ts records them) are mirrored.
  if (!owner) return skipped(customerId, "customer not created by this app");
  return runSync(await immediateTicket(customerId), owner);
}

/** Prisma's default waits 2 s for a connection, which a busy pool can exceed (it then fails). */
const WRITE_TRANSACTION = { maxWait: 10_000, timeout: 15_000 } as const;

/** A customer's recorded owner: who its rows belong to, and its mode. */
export type Owner = { userId: string; livemode: boolean };

export function ownerOf(customerId: string): Promise<Owner | null> {
  return db.billingCustomer.findUnique({
    where: { id: customerId },
    select: { userId: true, livemode: true },
  });
}

/**
 * One sync of a ticket's customer: reads Stripe (no connection held meanwhile), then writes in one
 * short transaction that first checks the guard (`takeSnapshotSlot`), so an older fetch that
 * finishes late never overwrites a newer one. The ticket's requests and events are finished in
 * the same transaction, with the outcome. Reads Stripe instead of trusting event payloads, so
 * deliveries in any order or number converge.
 */
export async function runSync(
  ticket: SyncTicket,
  owner: Owner,
  options: { recoverCards?: boolean } = {},
): Promise<SyncResult> {
  const { customerId } = ticket;
  const known = await db.subscription.findMany({
    where: { stripeCustomerId: customerId },
    select: { id: true },
  });
  const snapshot = await fetchSnapshot(
    customerId,
    known.map((s) => s.id),
  );

  const refusal = refusalReason(snapshot, owner);
  // The transaction itself is short; waiting for a connection may not be, under a starved pool.
  if (refusal) {
    if (refusal.log) console.error(`[billing] refusing to sync ${customerId}: ${refusal.reason}`);
    await db.$transaction(
      (tx) =>
        finishTicket(tx, ticket, `skipped: ${refusal.reason}`, env.BILLING_SYNC_MIN_INTERVAL_MS),
      WRITE_TRANSACTION,
    );
    return skipped(customerId, refusal.reason);
  }

  // The drain only (never a page's GET): a new default card pays what is owed (card-recovery.ts).
  const applied = options.recoverCards ? await appliedCard(customerId) : null;
  const recovery = applied ? planCardRecovery(snapshot, applied.paymentMethodId) : null;
  // Its changes arrive as webhooks and are synced next; this snapshot is still Stripe's earlier state.
  if (recovery && applied) await applyCardRecovery(customerId, recovery, applied);

  const written = await db.$transaction(async (tx) => {
    const newest = await takeSnapshotSlot(tx, ticket);
    if (newest) await writeSnapshot(tx, owner.userId, snapshot);
    if (recovery) await recordAppliedCard(tx, customerId, recovery.paymentMethodId);
    await finishTicket(tx, ticket, "synced", env.BILLING_SYNC_MIN_INTERVAL_MS);
    return newest;
  }, WRITE_TRANSACTION);
  return {
    status: "synced",
    customerId,
    userId: owner.userId,
    subscriptions: snapshot.subscriptions.length,
    invoices: snapshot.invoices.length,
    written,
  };
}

function refusalReason(snapshot: Snapshot, owner: Owner): { reason: string; log: boolean } | null {
  const { customer } = snapshot;
  if (customer.deleted) return null;
  if (customer.metadata.userId !== owner.userId) {
    return { reason: "metadata.userId does not match the recorded user", log: true };
  }
  if (customer.livemode !== owner.livemode) {
    return { reason: "livemode differs from the recorded customer", log: false };
  }
  return null;
}

async function writeSnapshot(
  tx: Prisma.TransactionClient,
  userId: string,
  snapshot: Snapshot,
): Promise<void> {
  const { customer } = snapshot;
  const customerId = customer.id;
  const now = new Date();

  if (customer.deleted) {
    await tx.billingCustomer.update({
      where: { id: customerId },
      data: { deleted: true, ...NO_PAYMENT_METHOD, syncedAt: now },
    });
    // The next billing action creates a fresh customer for the user.
    await tx.user.updateMany({
      where: { id: userId, stripeCustomerId: customerId },
      data: { stripeCustomerId: null },
    });
  } else {
    // The billing email is Stripe's business; the user's login email is never touched here.
    await tx.billingCustomer.update({
      where: { id: customerId },
      data: {
        email: customer.email,
        name: customer.name ?? null,
        deleted: false,
        ...paymentMethodData(snapshot.paymentMethod),
        ...testClockData(customer),
        syncedAt: now,
      },
    });
  }

  const storedInvoices = snapshot.invoices.filter(isStoredInvoice);
  warnIfSeveralLive(customerId, snapshot.subscriptions);
  for (const subscription of snapshot.subscriptions) {
    const data = subscriptionData(subscription, snapshot.invoices, {
      schedule: snapshot.schedules.get(subscription.id) ?? null,
      prices: snapshot.prices,
      coupons: snapshot.coupons,
    });
    if (data.unknownPrice) {
      console.warn(
        `[billing] subscription ${data.id} uses price ${data.priceId ?? "(none)"} ` +
          `(lookup key ${data.priceLookupKey ?? "none"}), which is not in the catalog; flagged`,
      );
    }
    // A JSON column's SQL NULL must be said explicitly to Prisma.
    const row = { ...data, pendingChange: data.pendingChange ?? Prisma.DbNull };
    await tx.subscription.upsert({
      where: { id: data.id },
      create: { ...row, userId, stripeCustomerId: customerId },
      update: { ...row, userId, stripeCustomerId: customerId },
    });
  }
  if (snapshot.vanishedSubscriptionIds.length > 0) {
    await tx.subscription.deleteMany({ where: { id: { in: snapshot.vanishedSubscriptionIds } } });
  }

  for (const invoice of storedInvoices) {
    const data = invoiceData(invoice);
    await tx.invoice.upsert({
      where: { id: data.id },
      create: { ...data, userId, stripeCustomerId: customerId },
      update: { ...data, userId, stripeCustomerId: customerId },
    });
  }
  if (snapshot.invoiceWindowStart !== null) {
    // Inside the fetched window, an invoice Stripe did not return is gone (e.g. a deleted draft).
    await tx.invoice.deleteMany({
      where: {
        stripeCustomerId: customerId,
        stripeCreatedAt: { gt: new Date(snapshot.invoiceWindowStart * 1000) },
        id: { notIn: storedInvoices.map((inv) => inv.id) },
      },
    });
  }
}

/** The customer's test clock and its frozen time (lib/clock.ts reads it); never in live mode. */
function testClockData(customer: Stripe.Customer): {
  testClockId: string | null;
  testClockFrozenAt: Date | null;
} {
  const clock = customer.livemode ? null : customer.test_clock;
  if (!clock) return { testClockId: null, testClockFrozenAt: null };
  if (typeof clock === "string") return { testClockId: clock, testClockFrozenAt: null };
  return { testClockId: clock.id, testClockFrozenAt: new Date(clock.frozen_time * 1000) };
}

/**
 * Checkout allows one live subscription per user, but the Dashboard or a script can add a second;
 * it keeps billing, so the founder is told which ones (entitlements use the better one).
 */
function warnIfSeveralLive(customerId: string, subscriptions: readonly Stripe.Subscription[]) {
  const live = subscriptions.filter((s) => isLiveSubscriptionStatus(s.status));
  if (live.length < 2) return;
  console.warn(
    `[billing] customer ${customerId} has ${live.length} live subscriptions, each billed: ` +
      `${live.map((s) => `${s.id} (${s.status})`).join(", ")}; cancel the extra one in Stripe`,
  );
}

function skipped(customerId: string, reason: string): SyncResult {
  return { status: "skipped", customerId, reason };
}
