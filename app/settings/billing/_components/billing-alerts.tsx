import type { BillingOverview } from "@/lib/billing/page/overview";
import type { BillingNotice } from "@/lib/billing/sessions/returns";
import {
  inactiveStatusText,
  pastDueText,
  paymentActionText,
} from "@/lib/billing/page/alert-texts";
import { continueCheckout } from "../actions";
import { PortalButton } from "./portal-button";
import { SubmitButton } from "./submit-button";

const NOTICE_STYLES = {
  error: "bg-red-50 text-red-800",
  success: "bg-emerald-50 text-emerald-800",
  info: "bg-slate-100 text-slate-700",
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
  const inactiveText = sub && summary ? inactiveStatusText(sub.status, summary.planName) : null;
  return (
    <>
      {notice && (
        <div
          role={notice.tone === "error" ? "alert" : "status"}
          data-testid="billing-notice"
          className={`flex flex-wrap items-center justify-between gap-3 rounded-md px-4 py-3 text-sm ${NOTICE_STYLES[notice.tone]}`}
        >
          <p>{notice.text}</p>
          {notice.code === "checkout_open" && (
            <form action={continueCheckout}>
              <SubmitButton variant="primary" pendingLabel="Opening checkout…">
                Continue checkout
              </SubmitButton>
            </form>
          )}
        </div>
      )}

      {overview.otherLiveSubscriptions.length > 0 && (
        <div
          role="alert"
          data-testid="several-subscriptions"
          className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900"
        >
          You have {overview.otherLiveSubscriptions.length + 1} active subscriptions, and each is
          billed:{" "}
          {[sub, ...overview.otherLiveSubscriptions].map((s) => s?.summary.planName).join(" and ")}.
          Your account uses {summary?.planName}. Cancel the one you don&apos;t need in Manage
          billing, or contact support.
        </div>
      )}

      {sub && summary && overview.paymentActionUrl && (
        <div
          role="alert"
          data-testid="payment-action-banner"
          className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-amber-300 bg-amber-50 px-4 py-3"
        >
          <div className="text-sm text-amber-900">
            <p className="font-medium">Confirm your payment</p>
            <p>
              {paymentActionText(
                summary.planName,
                sub.status,
                overview.entitlements.plan.key !== "free",
              )}
            </p>
          </div>
          <a
            href={overview.paymentActionUrl}
            className="rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700"
          >
            Confirm payment
          </a>
        </div>
      )}

      {sub && summary && inactiveText && (
        <div
          role="alert"
          data-testid="inactive-banner"
          className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-amber-300 bg-amber-50 px-4 py-3"
        >
          <p className="text-sm text-amber-900">{inactiveText}</p>
          {sub.status === "incomplete" && overview.openInvoiceUrl && !overview.paymentActionUrl && (
            <a
              href={overview.openInvoiceUrl}
              className="rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700"
            >
              Pay invoice
            </a>
          )}
        </div>
      )}

      {summary?.pastDue && (
        <div
          role="alert"
          data-testid="past-due-banner"
          className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3"
        >
          <p className="text-sm text-red-800">
            {pastDueText(summary.planName, overview.entitlements.graceEndsAt, now, locale)}
          </p>
          <div className="flex flex-wrap gap-2">
            {overview.openInvoiceUrl && !overview.paymentActionUrl && (
              <a
                href={overview.openInvoiceUrl}
                className="rounded-md bg-red-700 px-4 py-2 text-sm font-medium text-white hover:bg-red-800"
              >
                Pay invoice
              </a>
            )}
            <PortalButton flow="payment_method" variant="danger">
              Fix payment method
            </PortalButton>
          </div>
        </div>
      )}
    </>
  );
}
