import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { Check, CircleAlert } from "lucide-react";
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
import { currentUser } from "@/lib/auth/require-user";
import { trialText } from "@/lib/billing/catalog/offers";
import { loadPricingPage, pricingIntervalSchema } from "@/lib/billing/page/pricing";
import { formatMoney, resolveLocale } from "@/lib/format";
import { cn } from "@/lib/utils";
import { PlanChoice } from "./_components/plan-choice";

export const metadata: Metadata = { title: "Pricing" };
// Per visitor (their current plan, their trial); the prices themselves are cached, never a
// Stripe call per view (lib/billing/catalog/prices.ts).
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const INTERVALS = [
  { interval: "month", label: "Monthly", href: "/pricing" },
  { interval: "year", label: "Yearly", href: "/pricing?interval=year" },
] as const;

/** The public pricing page: the catalog's plans at Stripe's prices, monthly or yearly. */
export default async function PricingPage({ searchParams }: Props) {
  const interval = pricingIntervalSchema.parse((await searchParams).interval);
  const [user, requestHeaders] = await Promise.all([currentUser(), headers()]);
  const locale = resolveLocale(requestHeaders.get("accept-language"));
  const page = await loadPricingPage(user?.id ?? null, interval);

  return (
    <section className="space-y-8">
      <header className="mx-auto max-w-2xl space-y-3 text-center">
        <h1 className="text-4xl font-bold tracking-tight">Pricing</h1>
        <p className="text-muted-foreground text-lg">
          Start free, upgrade when you need the API. Change plan, seats or card, or cancel, any time
          in the billing portal.
        </p>
      </header>

      <nav aria-label="Billing period" className="flex justify-center">
        <div className="bg-muted inline-flex rounded-lg p-1">
          {INTERVALS.map((option) => {
            const active = option.interval === interval;
            return (
              <Link
                key={option.interval}
                href={option.href}
                aria-current={active ? "page" : undefined}
                className={cn(
                  "focus-visible:ring-ring/50 rounded-md px-4 py-1.5 text-sm font-medium outline-none focus-visible:ring-[3px]",
                  active
                    ? "bg-background text-foreground shadow-sm"
                    : "text-muted-foreground hover:text-foreground",
                )}
              >
                {option.label}
              </Link>
            );
          })}
        </div>
      </nav>

      {page.pricesUnavailable && (
        <Alert>
          <CircleAlert aria-hidden="true" />
          <AlertDescription>
            <p>
              Prices can&apos;t be shown right now. You can still choose a plan; Checkout shows the
              price.
            </p>
          </AlertDescription>
        </Alert>
      )}

      <div className="mx-auto grid max-w-4xl gap-6 md:grid-cols-2">
        {page.offers.map((offer) => (
          <Card key={offer.lookupKey} data-testid={`pricing-${offer.plan.key}`}>
            <CardHeader>
              <CardTitle>
                <h2 className="text-xl">{offer.plan.name}</h2>
              </CardTitle>
              <CardDescription>{offer.plan.description}</CardDescription>
            </CardHeader>
            <CardContent className="space-y-4">
              <p data-testid="pricing-amount">
                {offer.amount ? (
                  <>
                    <span className="text-3xl font-semibold tracking-tight">
                      {formatMoney(offer.amount.unitAmount, offer.amount.currency, locale)}
                    </span>
                    <span className="text-muted-foreground">
                      {" "}
                      / {offer.interval}
                      {offer.plan.perSeat ? " per seat" : ""}
                    </span>
                  </>
                ) : (
                  <span className="text-muted-foreground">Price shown at checkout</span>
                )}
              </p>
              <div className="flex flex-wrap gap-2">
                {offer.action === "current" && <Badge>Current plan</Badge>}
                {offer.trial && <Badge variant="success">{trialText(offer.trial)}</Badge>}
              </div>
              <ul className="space-y-2 text-sm" aria-label={`${offer.plan.name} includes`}>
                {offer.features.map((line) => (
                  <li key={line} className="flex items-start gap-2">
                    <Check className="text-success mt-0.5 size-4 shrink-0" aria-hidden="true" />
                    {line}
                  </li>
                ))}
              </ul>
            </CardContent>
            <CardFooter className="mt-auto">
              <div className="w-full">
                <PlanChoice offer={offer} />
              </div>
            </CardFooter>
          </Card>
        ))}
      </div>

      <p className="text-muted-foreground text-center text-sm">
        Prices in {page.offers[0]?.amount?.currency.toUpperCase() ?? "USD"}, billed by Stripe.
        {page.signedIn ? (
          <>
            {" "}
            Your plan, invoices and card are on the{" "}
            <Link href="/settings/billing" className="text-foreground underline">
              billing page
            </Link>
            .
          </>
        ) : (
          " The Free plan needs no card: just sign in."
        )}
      </p>
    </section>
  );
}
