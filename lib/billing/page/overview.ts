import { findStripeCustomerId } from "@/lib/billing/customers";
import {
  isLiveSubscriptionStatus,
  pickCurrentSubscription,
} from "@/lib/billing/access/current-subscription";
import { entitlementsFromRecords, type Entitlements } from "@/lib/billing/access/entitlements";
import { loadSubscriptions } from "@/lib/billing/access/subscriptions";
import { INVOICE_WINDOW } from "@/lib/billing/sync/fetch";
import {
  summarizeSubscription,
  type SubscriptionSummary,
} from "@/lib/billing/page/subscription-summary";
import { customerNow } from "@/lib/clock";
import { db } from "@/lib/db";
import type { Invoice, Subscription } from "@/lib/generated/prisma/client";
import { stripeMode, usesStripeEmulator, type StripeMode } from "@/lib/stripe";
import { paidPlans, trialOffer } from "@/lib/billing/catalog/offers";
import type { PlanKey, TrialTerms } from "@/lib/billing/catalog/plans";

type Summarized = Subscription & { summary: SubscriptionSummary };

export type BillingOverview = {
  /** The user's billing "now": its Stripe test clock's frozen time if it is on one (lib/clock.ts). */
  now: Date;
  mode: StripeMode;
  emulator: boolean;
  entitlements: Entitlements;
  /** The live subscription in force (the one entitlements follow); null means Free. */
  subscription: Summarized | null;
  /** Other live subscriptions: each is billed too, which the page must say. */
  otherLiveSubscriptions: Summarized[];
  /** The latest ended subscription, shown as history when there is no live one. */
  endedSubscription: Summarized | null;
  paymentMethod: { label: string; expMonth: number | null; expYear: number | null } | null;
  /** Where to pay the newest open invoice of the current subscription (past-due banner). */
  openInvoiceUrl: string | null;
  /**
   * The current subscription's open invoice whose payment waits for the customer's bank (3-D
   * Secure): its hosted page, where they confirm it ("Confirm your payment" banner).
   */
  paymentActionUrl: string | null;
  invoices: Invoice[];
  /** Free trials the plan cards may offer: only before a first subscription (catalog/offers.ts). */
  trialOffers: Partial<Record<PlanKey, TrialTerms>>;
};

/**
 * Everything the billing page shows, from the synced records only (no Stripe call on render), as
 * of `now` (default: the customer's billing time, see lib/clock.ts).
 */
export async function loadBillingOverview(userId: string, at?: Date): Promise<BillingOverview> {
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
  const now = at ?? customerNow(customer);
  const summarize = (sub: Subscription): Summarized => ({
    ...sub,
    summary: summarizeSubscription(sub, now),
  });
  const live = subscriptions.filter((s) => isLiveSubscriptionStatus(s.status));
  // One read of the subscriptions serves both the plan shown and what the user may do.
  const current = pickCurrentSubscription(live);
  const ended = subscriptions
    .filter((s) => !isLiveSubscriptionStatus(s.status))
    .sort(
      (a, b) =>
        (b.endedAt ?? b.stripeCreatedAt).getTime() - (a.endedAt ?? a.stripeCreatedAt).getTime(),
    )[0];
  // The newest: Stripe's subscription status follows its latest invoice, so that is the one
  // whose payment restores the plan (invoices are newest first).
  const openInvoice = invoices.find(
    (inv) => inv.status === "open" && inv.subscriptionId === current?.id,
  );
  return {
    now,
    mode: stripeMode(),
    emulator: usesStripeEmulator(),
    entitlements: entitlementsFromRecords(subscriptions, now),
    subscription: current ? summarize(current) : null,
    otherLiveSubscriptions: live.filter((s) => s.id !== current?.id).map(summarize),
    endedSubscription: !current && ended ? summarize(ended) : null,
    paymentMethod:
      customer?.paymentMethodLabel && !customer.deleted
        ? {
            label: customer.paymentMethodLabel,
            expMonth: customer.cardExpMonth,
            expYear: customer.cardExpYear,
          }
        : null,
    openInvoiceUrl: openInvoice?.hostedInvoiceUrl ?? null,
    paymentActionUrl: openInvoice?.paymentActionRequired
      ? (openInvoice.hostedInvoiceUrl ?? null)
      : null,
    invoices,
    trialOffers: Object.fromEntries(
      paidPlans().flatMap((plan) => {
        const trial = trialOffer(plan, subscriptions);
        return trial ? [[plan.key, trial]] : [];
      }),
    ),
  };
}
