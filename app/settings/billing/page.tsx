import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth/require-user";
import { loadBillingOverview } from "@/lib/billing/page/overview";
import { loadPlanPrices } from "@/lib/billing/catalog/prices";
import { BILLING_NOTICE_HEADER } from "@/lib/billing/sessions/notice-cookie";
import {
  billingNotice,
  billingReturnUrl,
  type BillingNotice,
} from "@/lib/billing/sessions/returns";
import {
  billedAmountText,
  discountText,
  pendingChangeText,
  planWithTerms,
} from "@/lib/billing/page/subscription-summary";
import { formatDate, resolveLocale } from "@/lib/format";
import { BillingAlerts } from "./_components/billing-alerts";
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
  // Success URLs of Checkouts created before returns moved to their own route still arrive here.
  if (typeof params.checkout === "string") {
    redirect(
      params.checkout === "canceled"
        ? billingReturnUrl("checkout_canceled")
        : billingReturnUrl("checkout", encodeURIComponent(params.checkout)),
    );
  }

  const requestHeaders = await headers();
  const locale = resolveLocale(requestHeaders.get("accept-language"));
  // A return's or an action's one-off notice, handed over by proxy.ts (never from the URL).
  const notice: BillingNotice | null = billingNotice(requestHeaders.get(BILLING_NOTICE_HEADER));

  const [overview, planPrices] = await Promise.all([
    loadBillingOverview(user.id),
    loadPlanPrices(),
  ]);
  const sub = overview.subscription;
  const summary = sub?.summary;
  const live = sub !== null;
  const ended = overview.endedSubscription;
  const date = (d: Date) => formatDate(d, locale);

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

      <BillingAlerts overview={overview} notice={notice} locale={locale} />

      <div className="rounded-lg border border-slate-200 bg-white p-6" data-testid="current-plan">
        <p className="text-sm text-slate-500">Current plan</p>
        {sub && summary ? (
          <>
            <div className="mt-1 flex flex-wrap items-baseline gap-3">
              <h2 className="text-xl font-semibold">{summary.planName}</h2>
              {summary.price && (
                <span className="text-slate-600" data-testid="subscription-price">
                  {billedAmountText(summary.price, locale)}
                </span>
              )}
              <span
                data-testid="subscription-status"
                className="rounded-full bg-slate-100 px-2.5 py-0.5 text-xs font-medium"
              >
                {summary.statusLabel}
              </span>
            </div>
            {summary.price?.discounts.map((discount, i) => (
              <p
                key={i}
                className="mt-1 text-sm text-emerald-800"
                data-testid="subscription-discount"
              >
                {discountText(discount, locale)}
              </p>
            ))}
            {summary.next.kind !== "none" && (
              <p className="mt-2 text-sm text-slate-700" data-testid="subscription-next">
                {NEXT_LABELS[summary.next.kind]} {date(summary.next.at)}
              </p>
            )}
            {summary.pendingChange && (
              <div
                className="mt-3 flex flex-wrap items-center justify-between gap-3 rounded-md bg-sky-50 px-3 py-2 text-sm text-sky-900"
                data-testid="pending-change"
              >
                <p>{pendingChangeText(summary.pendingChange, locale)}</p>
                {summary.pendingChange.source === "schedule" && (
                  <PortalButton flow="manage">Keep my current plan</PortalButton>
                )}
              </div>
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
            {ended ? (
              <p className="mt-2 text-sm text-slate-600" data-testid="past-subscription">
                Your {planWithTerms(ended.summary.planName, ended.interval, ended.quantity, false)}{" "}
                subscription ended
                {ended.endedAt ? ` on ${date(ended.endedAt)}` : ""}. Choose a plan below to
                subscribe again.
              </p>
            ) : (
              <p className="mt-2 text-sm text-slate-600">Upgrade to unlock API access.</p>
            )}
          </>
        )}
        <div className="mt-5 flex flex-wrap gap-2">
          <PortalButton flow="manage" variant="primary">
            Manage billing
          </PortalButton>
          {summary?.changeable && <PortalButton flow="change_plan">Change plan</PortalButton>}
          {live && <PortalButton flow="payment_method">Update payment method</PortalButton>}
          {summary?.changeable && (
            <>
              {summary.cancellationScheduled ? (
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
          currentLookupKey={sub?.priceLookupKey ?? null}
          hasLiveSubscription={live}
          scheduled={summary?.pendingChange?.source === "schedule" ? summary.pendingChange : null}
          prices={planPrices}
          locale={locale}
        />
      </div>

      <div>
        <h2 className="mb-3 text-lg font-semibold">Payment method</h2>
        <div className="rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="card">
          {overview.paymentMethod ? (
            <span>
              {overview.paymentMethod.label}
              {overview.paymentMethod.expMonth && overview.paymentMethod.expYear
                ? ` · expires ${String(overview.paymentMethod.expMonth).padStart(2, "0")}/${overview.paymentMethod.expYear}`
                : ""}
            </span>
          ) : (
            <span className="text-slate-500">No payment method on file.</span>
          )}
        </div>
      </div>

      <div>
        <h2 className="mb-3 text-lg font-semibold">Invoices</h2>
        <InvoiceTable invoices={overview.invoices} locale={locale} />
      </div>
    </section>
  );
}
