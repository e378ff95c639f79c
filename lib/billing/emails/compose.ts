import { isPlanKey, PLANS } from "@/lib/billing/catalog/plans";
import { isLiveSubscriptionStatus } from "@/lib/billing/access/current-subscription";
import { entitlementsFromRecords } from "@/lib/billing/access/entitlements";
import { summarizeSubscription, billedAmountText } from "@/lib/billing/page/subscription-summary";
import { customerNow } from "@/lib/clock";
import { db } from "@/lib/db";
import { env, type BillingEmailKind } from "@/lib/env";
import type { BillingEmailContent } from "@/lib/email/templates/billing-content";
import { formatDate, formatMoney } from "@/lib/format";
import type { Subscription } from "@/lib/generated/prisma/client";

/** A billing email to send now, or why not. */
export type Composed =
  { send: true; content: BillingEmailContent; to: string[] } | { send: false; reason: string };

type EmailRow = {
  eventId: string;
  kind: string;
  stripeCustomerId: string;
  subjectId: string | null;
  createdAt: Date;
};

/** An email its event asked for this long ago is news no more (its customer's sync kept failing). */
export const EMAIL_MAX_DELAY_MS = 48 * 60 * 60 * 1000;

/** `GET /api/billing/portal?flow=…`: signs the customer in first, then asks for a click. */
function portalLink(flow: "payment_method" | "manage"): string {
  return `${env.APP_URL}/api/billing/portal?flow=${flow}`;
}

function planNameOf(sub: Pick<Subscription, "planKey"> | null | undefined): string {
  return sub?.planKey && isPlanKey(sub.planKey) ? PLANS[sub.planKey].name : "your plan";
}

/**
 * What a billing email says, from the synced records at sending time (the sync of its customer
 * has finished), or why it is no longer true: an invoice paid before its failure email went out,
 * a cancellation undone, a trial converted. Dates and amounts are written in English (en-US),
 * the emails' language; the recipient is always the user's login email, plus the Stripe billing
 * email when `BILLING_EMAILS_ALSO_TO_BILLING_ADDRESS=1` and it differs.
 */
export async function composeBillingEmail(row: EmailRow): Promise<Composed> {
  const kind = row.kind as BillingEmailKind;
  if (env.BILLING_EMAILS_OFF?.includes(kind)) {
    return { send: false, reason: "turned off (BILLING_EMAILS_OFF)" };
  }
  if (Date.now() - row.createdAt.getTime() > EMAIL_MAX_DELAY_MS) {
    return { send: false, reason: "too late: its event is more than 48 hours old" };
  }
  // The records must be what this event's sync wrote: a refused sync (the customer's owner or
  // mode does not match) leaves them as they were, and nothing is said from them.
  const event = await db.stripeEvent.findUnique({
    where: { id: row.eventId },
    select: { outcome: true },
  });
  if (event && event.outcome !== "synced") {
    return { send: false, reason: `its event was not synced (${event.outcome ?? "pending"})` };
  }
  const customer = await db.billingCustomer.findUnique({
    where: { id: row.stripeCustomerId },
    include: { user: { select: { email: true } } },
  });
  if (!customer || customer.deleted) return { send: false, reason: "customer deleted" };
  const to = [customer.user.email];
  const billingEmail = customer.email?.toLowerCase();
  if (
    env.BILLING_EMAILS_ALSO_TO_BILLING_ADDRESS === "1" &&
    billingEmail &&
    billingEmail !== customer.user.email.toLowerCase()
  ) {
    to.push(billingEmail);
  }
  const date = (d: Date) => formatDate(d, "en-US");
  const content = await contentFor(kind, row, {
    date,
    hasPaymentMethod: customer.paymentMethodLabel !== null,
    card: customer.paymentMethodLabel,
    now: customerNow(customer),
    userId: customer.userId,
  });
  return "reason" in content
    ? { send: false, reason: content.reason }
    : { send: true, content, to };
}

type Facts = {
  date: (d: Date) => string;
  hasPaymentMethod: boolean;
  card: string | null;
  now: Date;
  userId: string;
};

async function contentFor(
  kind: BillingEmailKind,
  row: EmailRow,
  facts: Facts,
): Promise<BillingEmailContent | { reason: string }> {
  const subjectId = row.subjectId ?? "";
  switch (kind) {
    case "payment_failed":
    case "payment_action_required":
    case "payment_recovered":
      return invoiceEmail(kind, subjectId, row.stripeCustomerId, facts);
    case "trial_will_end":
    case "cancellation_scheduled":
    case "subscription_ended":
      return subscriptionEmail(kind, subjectId, facts);
  }
}

async function invoiceEmail(
  kind: "payment_failed" | "payment_action_required" | "payment_recovered",
  invoiceId: string,
  customerId: string,
  facts: Facts,
): Promise<BillingEmailContent | { reason: string }> {
  const invoice = await db.invoice.findUnique({ where: { id: invoiceId } });
  if (!invoice) return { reason: "invoice not synced" };
  const sub = invoice.subscriptionId
    ? await db.subscription.findUnique({ where: { id: invoice.subscriptionId } })
    : null;
  const planName = planNameOf(sub);
  const amount = formatMoney(invoice.amountDue || invoice.total, invoice.currency, "en-US");

  if (kind === "payment_recovered") {
    if (invoice.status !== "paid") return { reason: "invoice not paid" };
    // A recovery is news only to someone who was told the payment failed.
    const failureSent = await db.billingEmail.findFirst({
      where: {
        stripeCustomerId: customerId,
        kind: "payment_failed",
        subjectId: invoiceId,
        status: "sent",
      },
      select: { id: true },
    });
    if (!failureSent) return { reason: "no failure of this invoice was emailed" };
    return {
      kind,
      planName,
      amount: formatMoney(invoice.amountPaid, invoice.currency, "en-US"),
      actionUrl: `${env.APP_URL}/settings/billing`,
    };
  }
  if (invoice.status !== "open") return { reason: `invoice is ${invoice.status ?? "not open"}` };
  // A payment waiting for the bank (3-D Secure) fails too until confirmed: that email says what
  // to do, a "payment failed" one would ask for another card.
  if (kind === "payment_failed" && invoice.paymentActionRequired) {
    return { reason: "the payment waits for the bank's confirmation" };
  }
  if (kind === "payment_action_required") {
    if (!invoice.paymentActionRequired || !invoice.hostedInvoiceUrl) {
      return { reason: "the payment no longer waits for the bank" };
    }
    return { kind, planName, amount, actionUrl: invoice.hostedInvoiceUrl };
  }
  // The grace period's end, by the same rule entitlements apply.
  const subscriptions = await db.subscription.findMany({
    where: { userId: facts.userId, livemode: invoice.livemode },
  });
  const { graceEndsAt } = entitlementsFromRecords(subscriptions, facts.now);
  return {
    kind,
    planName,
    amount,
    card: facts.card,
    accessEndsOn: graceEndsAt ? facts.date(graceEndsAt) : null,
    actionUrl: portalLink("payment_method"),
  };
}

async function subscriptionEmail(
  kind: "trial_will_end" | "cancellation_scheduled" | "subscription_ended",
  subscriptionId: string,
  facts: Facts,
): Promise<BillingEmailContent | { reason: string }> {
  const sub = await db.subscription.findUnique({ where: { id: subscriptionId } });
  if (!sub) return { reason: "subscription not synced" };
  const summary = summarizeSubscription(sub, facts.now);
  const planName = planNameOf(sub);
  switch (kind) {
    case "trial_will_end":
      if (sub.status !== "trialing" || !sub.trialEnd) return { reason: "no longer trialing" };
      if (summary.cancellationScheduled) return { reason: "canceled during the trial" };
      return {
        kind,
        planName,
        endsOn: facts.date(sub.trialEnd),
        priceAfter: summary.price ? billedAmountText(summary.price, "en-US") : null,
        hasPaymentMethod: facts.hasPaymentMethod,
        actionUrl: portalLink(facts.hasPaymentMethod ? "manage" : "payment_method"),
      };
    case "cancellation_scheduled":
      if (summary.next.kind !== "cancels") return { reason: "no cancellation is scheduled" };
      return {
        kind,
        planName,
        endsOn: facts.date(summary.next.at),
        actionUrl: portalLink("manage"),
      };
    case "subscription_ended":
      if (isLiveSubscriptionStatus(sub.status)) return { reason: `subscription is ${sub.status}` };
      if (sub.status === "incomplete_expired") return { reason: "the subscription never started" };
      return {
        kind,
        planName,
        endedOn: facts.date(sub.endedAt ?? sub.canceledAt ?? facts.now),
        actionUrl: `${env.APP_URL}/pricing`,
      };
  }
}
