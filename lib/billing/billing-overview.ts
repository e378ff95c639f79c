import { findStripeCustomerId } from "@/lib/billing/customers";
import { pickCurrentSubscription } from "@/lib/billing/current-subscription";
import { entitlementsFromRecords, type Entitlements } from "@/lib/billing/entitlements";
import { loadSubscriptions } from "@/lib/billing/load-current-subscription";
import { INVOICE_WINDOW } from "@/lib/billing/sync/fetch";
import {
  summarizeSubscription,
  type SubscriptionSummary,
} from "@/lib/billing/subscription-summary";
import { db } from "@/lib/db";
import type { Invoice, Subscription } from "@/lib/generated/prisma/client";
import { stripeMode, usesStripeEmulator, type StripeMode } from "@/lib/stripe";

export type BillingOverview = {
  mode: StripeMode;
  emulator: boolean;
  entitlements: Entitlements;
  subscription: (Subscription & { summary: SubscriptionSummary }) | null;
  card: { brand: string; last4: string; expMonth: number | null; expYear: number | null } | null;
  invoices: Invoice[];
};

/** Everything the billing page shows, from the synced records only (no Stripe call on render). */
export async function loadBillingOverview(userId: string): Promise<BillingOverview> {
  const livemode = stripeMode() === "live";
  // This mode's customer: after a switch from test to live keys, the test customer's card is not shown.
  const customerId = await findStripeCustomerId(userId);
  const [subscriptions, customer, invoices] = await Promise.all([
    loadSubscriptions(userId),
    customerId ? db.billingCustomer.findUnique({ where: { id: customerId } }) : null,
    db.invoice.findMany({
      where: { userId, livemode },
      orderBy: { stripeCreatedAt: "desc" },
      // As many as the sync mirrors.
      take: INVOICE_WINDOW,
    }),
  ]);
  // One read of the subscriptions serves both the plan shown and what the user may do.
  const current = pickCurrentSubscription(subscriptions);
  const entitlements = entitlementsFromRecords(subscriptions);
  return {
    mode: stripeMode(),
    emulator: usesStripeEmulator(),
    entitlements,
    subscription: current ? { ...current, summary: summarizeSubscription(current) } : null,
    card:
      customer?.cardLast4 && !customer.deleted
        ? {
            brand: customer.cardBrand ?? "card",
            last4: customer.cardLast4,
            expMonth: customer.cardExpMonth,
            expYear: customer.cardExpYear,
          }
        : null,
    invoices,
  };
}
