import type Stripe from "stripe";
import { lockForTransaction } from "@/lib/billing/advisory-lock";
import { isStripeResourceMissing } from "@/lib/billing/billing-errors";
import {
  defaultPaymentMethodId,
  idOf,
  invoiceData,
  isStoredInvoice,
  NO_PAYMENT_METHOD,
  paymentMethodData,
  subscriptionData,
} from "@/lib/billing/sync-records";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { getStripe } from "@/lib/stripe";

export type SyncResult =
  | {
      status: "synced";
      customerId: string;
      userId: string;
      subscriptions: number;
      invoices: number;
    }
  | { status: "skipped"; customerId: string; reason: string };

/** How many of the newest invoices each sync mirrors (the billing page shows recent ones). */
export const INVOICE_WINDOW = 24;

// Holds a connection across several Stripe round trips (each up to 15 s with retries).
const TRANSACTION_OPTIONS = { maxWait: 60_000, timeout: 120_000 } as const;

/**
 * Makes the app's records of one customer equal to Stripe's current state: the customer, all of
 * its subscriptions, its default payment method and its recent invoices, written in one transaction.
 *
 * The one sync function: webhooks, the checkout return and reconciliation all call it. It reads
 * Stripe instead of trusting an event payload, so deliveries in any order or number converge. A
 * per-customer advisory lock is held from before the fetch until the commit, so a slow, older
 * fetch can never overwrite a newer one.
 */
export async function syncStripeCustomer(customerId: string): Promise<SyncResult> {
  return db.$transaction(async (tx) => {
    await lockForTransaction(tx, "customerSync", customerId);

    const owner = await tx.billingCustomer.findUnique({
      where: { id: customerId },
      select: { userId: true, livemode: true },
    });
    // Only customers this app created (customers.ts records them) are mirrored.
    if (!owner) return skipped(customerId, "customer not created by this app");

    const known = await tx.subscription.findMany({
      where: { stripeCustomerId: customerId },
      select: { id: true },
    });
    const snapshot = await fetchSnapshot(
      customerId,
      known.map((s) => s.id),
    );

    if (!snapshot.customer.deleted) {
      if (snapshot.customer.metadata.userId !== owner.userId) {
        console.error(
          `[billing] refusing to sync ${customerId}: metadata.userId does not match its recorded user`,
        );
        return skipped(customerId, "metadata.userId does not match the recorded user");
      }
      if (snapshot.customer.livemode !== owner.livemode) {
        return skipped(customerId, "livemode differs from the recorded customer");
      }
    }

    await writeSnapshot(tx, owner.userId, snapshot);
    return {
      status: "synced",
      customerId,
      userId: owner.userId,
      subscriptions: snapshot.subscriptions.length,
      invoices: snapshot.invoices.length,
    };
  }, TRANSACTION_OPTIONS);
}

type Snapshot = {
  customer: Stripe.Customer | Stripe.DeletedCustomer;
  subscriptions: Stripe.Subscription[];
  /** Subscriptions we had that Stripe no longer returns at all (never happens in practice). */
  vanishedSubscriptionIds: string[];
  invoices: Stripe.Invoice[];
  /** Our invoices newer than this (and absent from `invoices`) no longer exist in Stripe. */
  invoiceWindowStart: number | null;
  paymentMethod: Stripe.PaymentMethod | null;
};

async function fetchSnapshot(
  customerId: string,
  knownSubscriptionIds: string[],
): Promise<Snapshot> {
  const stripe = getStripe();
  const customer = await stripe.customers.retrieve(customerId);

  let subscriptions: Stripe.Subscription[] = [];
  try {
    subscriptions = await stripe.subscriptions
      .list({ customer: customerId, status: "all", limit: 100 })
      .autoPagingToArray({ limit: 10_000 });
  } catch (error) {
    if (!(customer.deleted && isStripeResourceMissing(error))) throw error;
  }

  // A subscription we know that the list did not return is asked for directly: a deleted customer
  // may stop listing, but its canceled subscriptions stay retrievable.
  const listed = new Set(subscriptions.map((s) => s.id));
  const vanishedSubscriptionIds: string[] = [];
  for (const id of knownSubscriptionIds.filter((known) => !listed.has(known))) {
    try {
      subscriptions.push(await stripe.subscriptions.retrieve(id));
    } catch (error) {
      if (!isStripeResourceMissing(error)) throw error;
      vanishedSubscriptionIds.push(id);
    }
  }

  let invoices: Stripe.Invoice[] = [];
  let invoiceWindowStart: number | null = null;
  if (!customer.deleted) {
    const page = await stripe.invoices.list({ customer: customerId, limit: INVOICE_WINDOW });
    invoices = page.data;
    const oldest = page.data.at(-1);
    invoiceWindowStart = page.has_more ? (oldest?.created ?? null) : 0;
  }

  let paymentMethod: Stripe.PaymentMethod | null = null;
  if (!customer.deleted) {
    const id = defaultPaymentMethodId(customer, subscriptions);
    if (id) {
      try {
        const found = await stripe.paymentMethods.retrieve(id);
        // A detached card is no longer the customer's, whatever a stale default still says.
        paymentMethod = idOf(found.customer) === customerId ? found : null;
      } catch (error) {
        if (!isStripeResourceMissing(error)) throw error;
      }
    }
  }

  return {
    customer,
    subscriptions,
    vanishedSubscriptionIds,
    invoices,
    invoiceWindowStart,
    paymentMethod,
  };
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
        syncedAt: now,
      },
    });
  }

  const storedInvoices = snapshot.invoices.filter(isStoredInvoice);
  for (const subscription of snapshot.subscriptions) {
    const data = subscriptionData(subscription, snapshot.invoices);
    if (data.unknownPrice) {
      console.warn(
        `[billing] subscription ${data.id} uses price ${data.priceId ?? "(none)"} ` +
          `(lookup key ${data.priceLookupKey ?? "none"}), which is not in the catalog; flagged`,
      );
    }
    await tx.subscription.upsert({
      where: { id: data.id },
      create: { ...data, userId, stripeCustomerId: customerId },
      update: { ...data, userId, stripeCustomerId: customerId },
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

function skipped(customerId: string, reason: string): SyncResult {
  return { status: "skipped", customerId, reason };
}
