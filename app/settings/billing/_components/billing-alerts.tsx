import { CircleAlert, CircleCheck, CreditCard, Info, TriangleAlert } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import type { BillingOverview } from "@/lib/billing/page/overview";
import type { BillingNotice } from "@/lib/billing/sessions/returns";
import { billedAmountText } from "@/lib/billing/page/subscription-summary";
import {
  inactiveStatusText,
  pastDueText,
  paymentActionText,
  trialNoticeText,
} from "@/lib/billing/page/alert-texts";
import { PLANS, isPlanKey } from "@/lib/billing/catalog/plans";
import { continueCheckout } from "../actions";
import { PortalButton } from "./portal-button";
import { SubmitButton } from "./submit-button";

const NOTICE_VARIANTS = {
  error: "destructive",
  success: "success",
  info: "default",
} as const;

const NOTICE_ICONS = {
  error: CircleAlert,
  success: CircleCheck,
  info: Info,
} as const;

/** The billing page's banners: a one-off notice, then whatever needs the customer's attention. */
export function BillingAlerts({
  overview,
  notice,
  locale,
}: {
  overview: BillingOverview;
  notice: BillingNotice | null;
  locale: string;
}) {
  // The customer's billing time: a Stripe test clock's frozen time if it is on one (lib/clock.ts).
  const { now } = overview;
  const sub = overview.subscription;
  const summary = sub?.summary;
  const inactiveText =
    sub && summary
      ? inactiveStatusText(
          sub.status,
          summary.planName,
          sub.trialEnd !== null && sub.trialEnd <= now && overview.paymentMethod === null,
        )
      : null;
  const NoticeIcon = notice ? NOTICE_ICONS[notice.tone] : null;
  const trialPlan = sub?.planKey && isPlanKey(sub.planKey) ? PLANS[sub.planKey] : null;
  const trialText =
    sub && summary && sub.status === "trialing" && sub.trialEnd && !summary.cancellationScheduled
      ? trialNoticeText(
          summary.planName,
          sub.trialEnd,
          {
            hasPaymentMethod: overview.paymentMethod !== null,
            withoutCard: trialPlan?.trial?.withoutCard ?? "create_invoice",
            price: summary.price ? billedAmountText(summary.price, locale) : null,
          },
          locale,
        )
      : null;
  return (
    <>
      {notice && NoticeIcon && (
        <Alert
          variant={NOTICE_VARIANTS[notice.tone]}
          role={notice.tone === "error" ? "alert" : "status"}
          data-testid="billing-notice"
        >
          <NoticeIcon aria-hidden="true" />
          <AlertDescription className="flex flex-wrap items-center justify-between gap-3">
            <p>{notice.text}</p>
            {notice.code === "checkout_open" && (
              <form action={continueCheckout}>
                <SubmitButton variant="default" pendingLabel="Opening checkout…">
                  Continue checkout
                </SubmitButton>
              </form>
            )}
          </AlertDescription>
        </Alert>
      )}

      {trialText && (
        <Alert data-testid="trial-notice">
          <Info aria-hidden="true" />
          <AlertDescription className="flex flex-wrap items-center justify-between gap-3">
            <p>{trialText}</p>
            {!overview.paymentMethod && (
              <PortalButton flow="payment_method" variant="default">
                <CreditCard aria-hidden="true" />
                Add a payment method
              </PortalButton>
            )}
          </AlertDescription>
        </Alert>
      )}

      {overview.otherLiveSubscriptions.length > 0 && (
        <Alert variant="warning" data-testid="several-subscriptions">
          <TriangleAlert aria-hidden="true" />
          <AlertDescription>
            <p>
              You have {overview.otherLiveSubscriptions.length + 1} active subscriptions, and each
              is billed:{" "}
              {[sub, ...overview.otherLiveSubscriptions]
                .map((s) => s?.summary.planName)
                .join(" and ")}
              . Your account uses {summary?.planName}. Cancel the one you don&apos;t need in Manage
              billing, or contact support.
            </p>
          </AlertDescription>
        </Alert>
      )}

      {sub && summary && overview.paymentActionUrl && (
        <Alert variant="warning" data-testid="payment-action-banner">
          <TriangleAlert aria-hidden="true" />
          <AlertTitle>Confirm your payment</AlertTitle>
          <AlertDescription className="flex flex-wrap items-center justify-between gap-3">
            <p>
              {paymentActionText(
                summary.planName,
                sub.status,
                overview.entitlements.plan.key !== "free",
              )}
            </p>
            <Button asChild>
              <a href={overview.paymentActionUrl}>Confirm payment</a>
            </Button>
          </AlertDescription>
        </Alert>
      )}

      {sub && summary && inactiveText && (
        <Alert variant="warning" data-testid="inactive-banner">
          <TriangleAlert aria-hidden="true" />
          <AlertDescription className="flex flex-wrap items-center justify-between gap-3">
            <p>{inactiveText}</p>
            {sub.status === "incomplete" &&
              overview.openInvoiceUrl &&
              !overview.paymentActionUrl && (
                <Button asChild>
                  <a href={overview.openInvoiceUrl}>Pay invoice</a>
                </Button>
              )}
          </AlertDescription>
        </Alert>
      )}

      {summary?.pastDue && (
        <Alert variant="destructive" data-testid="past-due-banner">
          <CircleAlert aria-hidden="true" />
          <AlertDescription className="flex flex-wrap items-center justify-between gap-3">
            <p>{pastDueText(summary.planName, overview.entitlements.graceEndsAt, now, locale)}</p>
            <div className="flex flex-wrap gap-2">
              {overview.openInvoiceUrl && !overview.paymentActionUrl && (
                <Button asChild variant="destructive">
                  <a href={overview.openInvoiceUrl}>Pay invoice</a>
                </Button>
              )}
              <PortalButton
                flow="payment_method"
                className="text-destructive hover:text-destructive"
              >
                <CreditCard aria-hidden="true" />
                Fix payment method
              </PortalButton>
            </div>
          </AlertDescription>
        </Alert>
      )}
    </>
  );
}
