import { Check, CircleCheck } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { paidPlans, planFeatureLines, trialText } from "@/lib/billing/catalog/offers";
import { BILLING_INTERVALS, type PlanKey, type TrialTerms } from "@/lib/billing/catalog/plans";
import type { PlanPrices } from "@/lib/billing/catalog/prices";
import { formatDate, formatMoney } from "@/lib/format";
import { subscribeToPlan } from "../actions";
import { PortalButton } from "./portal-button";
import { SeatsField } from "./seats-field";
import { SubmitButton } from "./submit-button";

/**
 * The catalog's paid plans, with the amounts of their Stripe prices (null while Stripe cannot be
 * read: the plans stay selectable). Without a live subscription each price subscribes through
 * Checkout (with the seats of a per-seat plan, and the free trial before a first subscription);
 * with one, each other price is a portal deep link confirming the switch.
 */
export function PlanPicker({
  currentLookupKey,
  hasLiveSubscription,
  scheduled,
  prices,
  trialOffers,
  locale,
}: {
  currentLookupKey: string | null;
  hasLiveSubscription: boolean;
  /** A plan change waiting for the period end: that price is not offered again as a switch. */
  scheduled: { planKey: string | null; interval: string | null; at: Date | null } | null;
  prices: PlanPrices | null;
  trialOffers: Partial<Record<PlanKey, TrialTerms>>;
  locale: string;
}) {
  return (
    <div className="grid gap-4 md:grid-cols-2">
      {paidPlans().map((plan) => {
        const trial = hasLiveSubscription ? undefined : trialOffers[plan.key];
        return (
          <Card key={plan.key} className="gap-4" data-testid={`plan-${plan.key}`}>
            <CardHeader>
              <CardTitle>
                <h3 className="text-lg">{plan.name}</h3>
              </CardTitle>
              <CardDescription>
                <p>{plan.description}</p>
              </CardDescription>
            </CardHeader>
            <CardContent className="flex flex-1 flex-col gap-4">
              <ul className="space-y-1 text-sm">
                {planFeatureLines(plan).map((line) => (
                  <li key={line} className="flex items-center gap-2">
                    <Check className="text-muted-foreground size-4" aria-hidden="true" />
                    {line}
                  </li>
                ))}
              </ul>
              {trial && (
                <Badge variant="success" data-testid="trial-offer">
                  {trialText(trial)}
                </Badge>
              )}
              <div className="mt-auto space-y-4 border-t pt-4">
                {BILLING_INTERVALS.map((interval) => {
                  const price = plan.prices[interval];
                  if (!price) return null;
                  const amount = prices?.get(price.lookupKey);
                  const label = amount
                    ? `${formatMoney(amount.unitAmount, amount.currency, locale)} / ${interval}${plan.perSeat ? " per seat" : ""}`
                    : interval === "year"
                      ? "Yearly"
                      : "Monthly";
                  const isCurrent = price.lookupKey === currentLookupKey;
                  const startsAt =
                    scheduled?.planKey === plan.key && scheduled.interval === interval
                      ? scheduled.at
                      : null;
                  const terms = `${plan.name} ${interval === "year" ? "yearly" : "monthly"}`;
                  return (
                    <div key={interval} className="flex flex-col items-start gap-2">
                      <span className="text-sm font-medium">{label}</span>
                      {isCurrent ? (
                        <Badge variant="success">
                          <CircleCheck aria-hidden="true" />
                          Current plan
                        </Badge>
                      ) : startsAt ? (
                        <span className="text-muted-foreground text-sm">
                          Starts on {formatDate(startsAt, locale)}
                        </span>
                      ) : hasLiveSubscription ? (
                        <PortalButton flow="switch" price={price.lookupKey}>
                          Switch to {terms}
                        </PortalButton>
                      ) : (
                        <form action={subscribeToPlan} className="flex flex-wrap items-end gap-2">
                          <input type="hidden" name="price" value={price.lookupKey} />
                          {plan.seats && (
                            <SeatsField
                              id={`seats-${price.lookupKey}`}
                              range={plan.seats}
                              className="w-20"
                            />
                          )}
                          {trial && (
                            <SubmitButton
                              name="trial"
                              value="1"
                              variant="default"
                              pendingLabel="Opening checkout…"
                            >
                              Try {terms} free
                            </SubmitButton>
                          )}
                          <SubmitButton
                            variant={trial ? "outline" : "default"}
                            pendingLabel="Opening checkout…"
                          >
                            Subscribe to {terms}
                          </SubmitButton>
                        </form>
                      )}
                    </div>
                  );
                })}
              </div>
            </CardContent>
          </Card>
        );
      })}
    </div>
  );
}
