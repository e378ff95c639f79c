import { formatDate } from "@/lib/format";

/** What the billing page's banners say (app/settings/billing/_components/billing-alerts.tsx). */

/**
 * The past-due banner: within the grace period, the date to fix the card by; after it (or once
 * Stripe marked the subscription unpaid) the plan is paused for non-payment until it is paid.
 */
export function pastDueText(
  planName: string,
  graceEndsAt: Date | null,
  now: Date,
  locale?: string,
): string {
  if (graceEndsAt && graceEndsAt > now) {
    return `Your last payment failed. Update your payment method before ${formatDate(graceEndsAt, locale)} to keep ${planName}.`;
  }
  return `Your ${planName} plan is paused because a payment failed. Pay the open invoice to restore it.`;
}

/**
 * The "Confirm your payment" banner: the open invoice's payment waits for the customer's bank
 * (3-D Secure). For an incomplete subscription it is the first payment, which starts the plan.
 */
export function paymentActionText(planName: string, status: string, hasPlan = true): string {
  if (status === "incomplete") {
    return `Your bank needs you to confirm your first payment for ${planName}. Your plan starts once it is confirmed; until then you're on Free.`;
  }
  // Once the grace period is over (or the subscription is unpaid) the plan is already paused.
  return hasPlan
    ? `Your bank needs you to confirm your latest payment for ${planName}. Confirm it to keep your plan.`
    : `Your bank needs you to confirm your latest payment for ${planName}. Confirm it to restore your plan.`;
}

/**
 * What the page says about a live subscription that grants nothing yet or for now (entitlements
 * say Free, so the page must too): an incomplete first payment, or a pause. Null otherwise.
 */
export function inactiveStatusText(
  status: string,
  planName: string,
  trialEndedWithoutCard = false,
): string | null {
  if (status === "incomplete") {
    return `Your ${planName} subscription starts once its first payment goes through. Until then you're on Free.`;
  }
  if (status === "paused" && trialEndedWithoutCard) {
    return `Your ${planName} trial ended without a payment method, so the plan is paused and you're on Free. Contact support to resume it.`;
  }
  if (status === "paused") {
    return `Your ${planName} plan is paused, so you're on Free for now. Contact support to resume it.`;
  }
  return null;
}

/**
 * The trial banner: when it ends and what happens then. With a card on file the plan simply
 * continues; without one, what the catalog's trial does (`withoutCard`) is said before it happens.
 */
export function trialNoticeText(
  planName: string,
  trialEnd: Date,
  options: {
    hasPaymentMethod: boolean;
    withoutCard: "cancel" | "pause" | "create_invoice";
    price: string | null;
  },
  locale?: string,
): string {
  const ends = `Your ${planName} trial ends on ${formatDate(trialEnd, locale)}.`;
  if (options.hasPaymentMethod) {
    return `${ends} Then ${options.price ?? "the plan's price"} is charged to your card on file.`;
  }
  const then = {
    cancel: "your subscription ends and you're back on Free",
    pause: `${planName} is paused until you add one`,
    create_invoice: `its first invoice can't be paid and ${planName} stays only for the grace period`,
  }[options.withoutCard];
  return `${ends} Add a payment method to keep ${planName} after it; without one, ${then}.`;
}
