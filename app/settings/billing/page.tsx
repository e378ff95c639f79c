import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { CalendarClock, CreditCard, FlaskConical, Server } from "lucide-react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import {
  Card,
  CardContent,
  CardDescription,
  CardFooter,
  CardHeader,
  CardTitle,
} from "@/components/ui/card";
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
          <Badge variant="warning">
            <FlaskConical aria-hidden="true" />
            Test mode
          </Badge>
        )}
        {overview.emulator && (
          <Badge variant="outline">
            <Server aria-hidden="true" />
            Local Stripe emulator
          </Badge>
        )}
      </header>

      <BillingAlerts overview={overview} notice={notice} locale={locale} />

      <Card data-testid="current-plan">
        <CardHeader>
          <CardDescription>
            <p>Current plan</p>
          </CardDescription>
          {sub && summary ? (
            <div className="flex flex-wrap items-baseline gap-3">
              <CardTitle>
                <h2 className="text-xl">{summary.planName}</h2>
              </CardTitle>
              {summary.price && (
                <span className="text-muted-foreground" data-testid="subscription-price">
                  {billedAmountText(summary.price, locale)}
                </span>
              )}
              <Badge
                variant={summary.pastDue ? "destructive" : "secondary"}
                data-testid="subscription-status"
              >
                {summary.statusLabel}
              </Badge>
            </div>
          ) : (
            <CardTitle>
              <h2 className="text-xl">Free</h2>
            </CardTitle>
          )}
        </CardHeader>
        <CardContent className="space-y-2 text-sm">
          {sub && summary ? (
            <>
              {summary.price?.discounts.map((discount, i) => (
                <p key={i} className="text-success" data-testid="subscription-discount">
                  {discountText(discount, locale)}
                </p>
              ))}
              {summary.next.kind !== "none" && (
                <p data-testid="subscription-next">
                  {NEXT_LABELS[summary.next.kind]} {date(summary.next.at)}
                </p>
              )}
              {summary.pendingChange && (
                <Alert role="note" className="bg-muted/50" data-testid="pending-change">
                  <CalendarClock aria-hidden="true" />
                  <AlertDescription className="text-foreground flex flex-wrap items-center justify-between gap-3">
                    <p>{pendingChangeText(summary.pendingChange, locale)}</p>
                    {summary.pendingChange.source === "schedule" && (
                      <PortalButton flow="manage">Keep my current plan</PortalButton>
                    )}
                  </AlertDescription>
                </Alert>
              )}
              {sub.unknownPrice && (
                <p className="text-warning">
                  This subscription uses a price this app does not sell. Please contact support.
                </p>
              )}
            </>
          ) : ended ? (
            <p className="text-muted-foreground" data-testid="past-subscription">
              Your {planWithTerms(ended.summary.planName, ended.interval, ended.quantity, false)}{" "}
              subscription ended
              {ended.endedAt ? ` on ${date(ended.endedAt)}` : ""}. Choose a plan below to subscribe
              again.
            </p>
          ) : (
            <p className="text-muted-foreground">Upgrade to unlock API access.</p>
          )}
        </CardContent>
        <CardFooter className="flex-wrap gap-2">
          <PortalButton flow="manage" variant="default">
            Manage billing
          </PortalButton>
          {summary?.changeable && <PortalButton flow="change_plan">Change plan</PortalButton>}
          {live && (
            <PortalButton flow="payment_method">
              <CreditCard aria-hidden="true" />
              Update payment method
            </PortalButton>
          )}
          {summary?.changeable && (
            <>
              {summary.cancellationScheduled ? (
                <PortalButton flow="manage">Resume subscription</PortalButton>
              ) : (
                <PortalButton flow="cancel" className="text-destructive hover:text-destructive">
                  Cancel subscription
                </PortalButton>
              )}
            </>
          )}
        </CardFooter>
      </Card>

      <div>
        <h2 className="mb-3 text-lg font-semibold">{live ? "Switch plan" : "Choose a plan"}</h2>
        <PlanPicker
          currentLookupKey={sub?.priceLookupKey ?? null}
          hasLiveSubscription={live}
          scheduled={summary?.pendingChange?.source === "schedule" ? summary.pendingChange : null}
          prices={planPrices}
          trialOffers={overview.trialOffers}
          locale={locale}
        />
      </div>

      <div>
        <h2 className="mb-3 text-lg font-semibold">Payment method</h2>
        <Card className="py-4" data-testid="card">
          <CardContent className="flex items-center gap-2 px-4 text-sm">
            <CreditCard className="text-muted-foreground size-4" aria-hidden="true" />
            {overview.paymentMethod ? (
              <span>
                {overview.paymentMethod.label}
                {overview.paymentMethod.expMonth && overview.paymentMethod.expYear
                  ? ` · expires ${String(overview.paymentMethod.expMonth).padStart(2, "0")}/${overview.paymentMethod.expYear}`
                  : ""}
              </span>
            ) : (
              <span className="text-muted-foreground">No payment method on file.</span>
            )}
          </CardContent>
        </Card>
      </div>

      <div>
        <h2 className="mb-3 text-lg font-semibold">Invoices</h2>
        <InvoiceTable invoices={overview.invoices} locale={locale} />
      </div>
    </section>
  );
}
