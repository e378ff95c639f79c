import type { Metadata } from "next";
import { requireUser } from "@/lib/auth/require-user";
import {
  BILLING_ERROR_MESSAGES,
  BillingActionError,
  isBillingErrorCode,
} from "@/lib/billing/billing-errors";
import { loadBillingOverview } from "@/lib/billing/billing-overview";
import { completeCheckoutReturn } from "@/lib/billing/checkout";
import { formatDate, formatMoney } from "@/lib/format";
import { InvoiceTable } from "./_components/invoice-table";
import { PlanPicker } from "./_components/plan-picker";
import { PortalButton } from "./_components/portal-button";

export const metadata: Metadata = { title: "Billing" };
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const NEXT_LABELS = {
  renews: "Renews on",
  cancels: "Cancels on",
  trial_ends: "Trial ends on",
  ended: "Ended on",
} as const;

export default async function BillingPage({ searchParams }: Props) {
  const user = await requireUser("/settings/billing");
  const params = await searchParams;

  let notice: { tone: "error" | "success" | "info"; text: string } | null = null;
  if (typeof params.error === "string") {
    notice = {
      tone: "error",
      text: isBillingErrorCode(params.error)
        ? BILLING_ERROR_MESSAGES[params.error]
        : BILLING_ERROR_MESSAGES.failed,
    };
  } else if (params.checkout === "canceled") {
    notice = { tone: "info", text: "Checkout was canceled. You have not been charged." };
  } else if (typeof params.checkout === "string") {
    // Sync now, so the page is right before the webhook arrives.
    try {
      await completeCheckoutReturn(user.id, params.checkout);
      notice = { tone: "success", text: "Thank you! Your subscription is active." };
    } catch (error) {
      const code = error instanceof BillingActionError ? error.code : "failed";
      notice = { tone: "error", text: BILLING_ERROR_MESSAGES[code] };
    }
  }

  const overview = await loadBillingOverview(user.id);
  const sub = overview.subscription;
  const summary = sub?.summary;
  const live = summary?.live ?? false;

  return (
    <section className="space-y-8">
      <header className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-semibold">Billing</h1>
        {overview.mode === "test" && (
          <span className="rounded-full bg-amber-100 px-2.5 py-0.5 text-xs font-medium text-amber-900">
            Test mode
          </span>
        )}
        {overview.emulator && (
          <span className="rounded-full bg-violet-100 px-2.5 py-0.5 text-xs font-medium text-violet-900">
            Local Stripe emulator
          </span>
        )}
      </header>

      {notice && (
        <p
          role={notice.tone === "error" ? "alert" : "status"}
          className={`rounded-md px-4 py-3 text-sm ${
            notice.tone === "error"
              ? "bg-red-50 text-red-800"
              : notice.tone === "success"
                ? "bg-emerald-50 text-emerald-800"
                : "bg-slate-100 text-slate-700"
          }`}
        >
          {notice.text}
        </p>
      )}

      {summary?.pastDue && live && (
        <div
          role="alert"
          data-testid="past-due-banner"
          className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-3"
        >
          <p className="text-sm text-red-800">
            Your last payment failed.{" "}
            {overview.entitlements.graceEndsAt
              ? `Update your payment method before ${formatDate(overview.entitlements.graceEndsAt)} to keep ${summary.planName}.`
              : "Update your payment method to keep your plan."}
          </p>
          <PortalButton flow="payment_method" variant="danger">
            Fix payment method
          </PortalButton>
        </div>
      )}

      <div className="rounded-lg border border-slate-200 bg-white p-6" data-testid="current-plan">
        <p className="text-sm text-slate-500">Current plan</p>
        {sub && summary ? (
          <>
            <div className="mt-1 flex flex-wrap items-baseline gap-3">
              <h2 className="text-xl font-semibold">{summary.planName}</h2>
              {summary.price && (
                <span className="text-slate-600">
                  {formatMoney(summary.price.unitAmount, summary.price.currency)} /{" "}
                  {summary.price.interval}
                </span>
              )}
              <span
                data-testid="subscription-status"
                className="rounded-full bg-slate-100 px-2.5 py-0.5 text-xs font-medium"
              >
                {summary.statusLabel}
              </span>
            </div>
            {summary.next.kind !== "none" && (
              <p className="mt-2 text-sm text-slate-700" data-testid="subscription-next">
                {NEXT_LABELS[summary.next.kind]} {formatDate(summary.next.at)}
              </p>
            )}
            {sub.unknownPrice && (
              <p className="mt-2 text-sm text-amber-800">
                This subscription uses a price this app does not sell. Please contact support.
              </p>
            )}
          </>
        ) : (
          <>
            <h2 className="mt-1 text-xl font-semibold">Free</h2>
            <p className="mt-2 text-sm text-slate-600">
              Upgrade to unlock API access and higher limits.
            </p>
          </>
        )}
        <div className="mt-5 flex flex-wrap gap-2">
          <PortalButton flow="manage" variant="primary">
            Manage billing
          </PortalButton>
          {live && (
            <>
              <PortalButton flow="change_plan">Change plan</PortalButton>
              <PortalButton flow="payment_method">Update payment method</PortalButton>
              {summary?.cancellationScheduled ? (
                <PortalButton flow="manage">Resume subscription</PortalButton>
              ) : (
                <PortalButton flow="cancel" variant="danger">
                  Cancel subscription
                </PortalButton>
              )}
            </>
          )}
        </div>
      </div>

      <div>
        <h2 className="mb-3 text-lg font-semibold">{live ? "Switch plan" : "Choose a plan"}</h2>
        <PlanPicker
          currentLookupKey={live ? (sub?.priceLookupKey ?? null) : null}
          hasLiveSubscription={live}
        />
      </div>

      <div>
        <h2 className="mb-3 text-lg font-semibold">Payment method</h2>
        <div className="rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="card">
          {overview.card ? (
            <span>
              <span className="capitalize">{overview.card.brand}</span> ending in{" "}
              {overview.card.last4}
              {overview.card.expMonth && overview.card.expYear
                ? ` · expires ${String(overview.card.expMonth).padStart(2, "0")}/${overview.card.expYear}`
                : ""}
            </span>
          ) : (
            <span className="text-slate-500">No payment method on file.</span>
          )}
        </div>
      </div>

      <div>
        <h2 className="mb-3 text-lg font-semibold">Invoices</h2>
        <InvoiceTable invoices={overview.invoices} />
      </div>
    </section>
  );
}
