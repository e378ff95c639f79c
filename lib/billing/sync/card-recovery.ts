import Stripe from "stripe";
import { idOf } from "@/lib/billing/stripe/ids";
import { invoiceSubscriptionId } from "@/lib/billing/sync/records";
import type { Snapshot } from "@/lib/billing/sync/fetch";
import { pacedStripeCall } from "@/lib/billing/sync/pace";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { getStripe } from "@/lib/stripe";

/**
 * Makes the card a customer chose in the portal apply (issue 12, behaviour 1). Stripe's portal
 * only sets the customer's `invoice_settings.default_payment_method`; a subscription with its own
 * `default_payment_method` (Checkout sets one) keeps charging that card, retries of a past-due
 * invoice included, and nothing is paid at once. So, once per new default card:
 *
 * - every live subscription whose own card differs gets the new one (the next renewal charges
 *   the card the customer said to use, whatever the subscription's status);
 * - a `past_due` / `unpaid` subscription's newest open invoice is paid with it (`invoices.pay`).
 *
 * Runs only in the drain (webhook-driven, under the per-customer lease), never from a page: the
 * return from the portal syncs without it. The reconcile backstop drains too (the cron route's
 * GET, which only Vercel Cron's bearer secret can call), so a missed webhook still recovers. "Once" is the `appliedDefaultPaymentMethodId`
 * column, written with the sync; every call carries an Idempotency-Key of the object, the card and
 * the choice's number, so a sync retried after a failure replays Stripe's answers instead of
 * charging again, and a card chosen again later is a new request.
 */

/** Statuses whose subscription still bills, so its own card matters. */
const BILLING_STATUSES: ReadonlySet<string> = new Set(["active", "trialing", "past_due", "unpaid"]);
/** Statuses whose open invoice the customer's new card should pay now. */
const OWING_STATUSES: ReadonlySet<string> = new Set(["past_due", "unpaid"]);

export type CardRecoveryStep = {
  subscriptionId: string;
  /** The subscription has a card of its own that is not the new default. */
  setDefault: boolean;
  /** The newest open invoice to pay with the new card, if the subscription owes one. */
  payInvoiceId: string | null;
};

export type CardRecoveryPlan = { paymentMethodId: string; steps: CardRecoveryStep[] };

/**
 * What a new default card changes, from the snapshot alone (pure): null when the customer's default
 * is unset, not theirs, or already applied. A plan with no steps only records the card as applied.
 */
export function planCardRecovery(
  snapshot: Pick<Snapshot, "customer" | "subscriptions" | "invoices">,
  appliedPaymentMethodId: string | null,
): CardRecoveryPlan | null {
  const { customer } = snapshot;
  if (customer.deleted) return null;
  const chosen = customer.invoice_settings.default_payment_method;
  const paymentMethodId = idOf(chosen);
  if (!paymentMethodId || paymentMethodId === appliedPaymentMethodId) return null;
  // Expanded by the fetch; a card detached meanwhile is not the customer's any more.
  if (typeof chosen === "object" && chosen && idOf(chosen.customer) !== customer.id) return null;

  const steps: CardRecoveryStep[] = [];
  for (const subscription of snapshot.subscriptions) {
    if (!BILLING_STATUSES.has(subscription.status)) continue;
    const own = idOf(subscription.default_payment_method);
    const setDefault = own !== null && own !== paymentMethodId;
    // Invoices are newest first: the newest open one is what Stripe's status follows.
    const open = OWING_STATUSES.has(subscription.status)
      ? snapshot.invoices.find(
          (inv) => inv.status === "open" && invoiceSubscriptionId(inv) === subscription.id,
        )
      : undefined;
    if (setDefault || open) {
      steps.push({ subscriptionId: subscription.id, setDefault, payInvoiceId: open?.id ?? null });
    }
  }
  return { paymentMethodId, steps };
}

export type AppliedCard = {
  /** The card this customer's subscriptions were last moved to (null: none yet). */
  paymentMethodId: string | null;
  /** How many choices were applied: the next one's Idempotency-Keys carry this number. */
  choices: number;
};

export async function appliedCard(customerId: string): Promise<AppliedCard> {
  const row = await db.billingCustomer.findUnique({
    where: { id: customerId },
    select: { appliedDefaultPaymentMethodId: true, cardChoices: true },
  });
  return {
    paymentMethodId: row?.appliedDefaultPaymentMethodId ?? null,
    choices: row?.cardChoices ?? 0,
  };
}

/** Whether Stripe refused for good (a decline, a finished invoice): retrying cannot help. */
function isFinalRefusal(error: unknown): error is Stripe.errors.StripeError {
  return (
    error instanceof Stripe.errors.StripeCardError ||
    error instanceof Stripe.errors.StripeInvalidRequestError
  );
}

/**
 * Carries out a plan. A decline or a refusal is a normal failed payment (Stripe sends
 * `invoice.payment_failed` and keeps dunning with the new card): logged, not retried. Anything
 * else (network, rate limit, Stripe down) throws, so the sync fails and is retried with the same
 * idempotency keys.
 */
export async function applyCardRecovery(
  customerId: string,
  plan: CardRecoveryPlan,
  applied: AppliedCard,
): Promise<void> {
  // Nothing to move or pay (the choice is only recorded as applied): no Stripe call at all.
  if (plan.steps.length === 0) return;
  const stripe = getStripe();
  const card = plan.paymentMethodId;
  // The snapshot may be older than the customer's latest choice (a sync that fetched while A was
  // the default, applying after B was picked): moving subscriptions back to A would undo B. Read
  // the choice again; a newer one brings its own event and sync, which applies it.
  const current = await pacedStripeCall(() => stripe.customers.retrieve(customerId));
  if (current.deleted || idOf(current.invoice_settings.default_payment_method) !== card) {
    console.info(`[billing] card ${card} of ${customerId} was replaced meanwhile; not applied`);
    return;
  }
  // Keys of this choice: the same on a retried sync (nothing recorded yet), new for the next
  // choice even of a card chosen before (Stripe would replay that old answer for 24 hours).
  const choice = `${card}:${applied.choices + 1}`;
  for (const step of plan.steps) {
    if (step.setDefault) {
      try {
        await pacedStripeCall(() =>
          stripe.subscriptions.update(
            step.subscriptionId,
            { default_payment_method: card },
            { idempotencyKey: `card-default:${step.subscriptionId}:${choice}` },
          ),
        );
      } catch (error) {
        if (!isFinalRefusal(error)) throw error;
        console.warn(
          `[billing] could not move subscription ${step.subscriptionId} of ${customerId} to ` +
            `card ${card}: ${error.message}`,
        );
        continue;
      }
    }
    if (step.payInvoiceId) await payWith(customerId, step.payInvoiceId, card, choice);
  }
}

async function payWith(
  customerId: string,
  invoiceId: string,
  card: string,
  choice: string,
): Promise<void> {
  try {
    // The card is named: the payment must not depend on the subscription update above landing.
    await pacedStripeCall(() =>
      getStripe().invoices.pay(
        invoiceId,
        { payment_method: card },
        { idempotencyKey: `card-pay:${invoiceId}:${choice}` },
      ),
    );
    console.info(`[billing] paid invoice ${invoiceId} of ${customerId} with the new card ${card}`);
  } catch (error) {
    if (!isFinalRefusal(error)) throw error;
    console.warn(
      `[billing] invoice ${invoiceId} of ${customerId} was not paid with the new card ${card}: ` +
        `${error.code ?? error.type}: ${error.message}`,
    );
  }
}

/** Records the card as applied, in the sync's write transaction. */
export async function recordAppliedCard(
  tx: Prisma.TransactionClient,
  customerId: string,
  paymentMethodId: string,
): Promise<void> {
  await tx.billingCustomer.update({
    where: { id: customerId },
    data: { appliedDefaultPaymentMethodId: paymentMethodId, cardChoices: { increment: 1 } },
  });
}
