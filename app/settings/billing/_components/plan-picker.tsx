import { BILLING_INTERVALS, FEATURE_LABELS, PLAN_KEYS, PLANS } from "@/lib/billing/catalog/plans";
import type { PlanPrices } from "@/lib/billing/catalog/prices";
import { formatDate, formatMoney } from "@/lib/format";
import { subscribeToPlan } from "../actions";
import { PortalButton } from "./portal-button";
import { SubmitButton } from "./submit-button";

/**
 * The catalog's paid plans, with the amounts of their Stripe prices (null while Stripe cannot be
 * read: the plans stay selectable). Without a live subscription each price subscribes through
 * Checkout; with one, each other price is a portal deep link confirming the switch.
 */
export function PlanPicker({
  currentLookupKey,
  hasLiveSubscription,
  scheduled,
  prices,
  locale,
}: {
  currentLookupKey: string | null;
  hasLiveSubscription: boolean;
  /** A plan change waiting for the period end: that price is not offered again as a switch. */
  scheduled: { planKey: string | null; interval: string | null; at: Date | null } | null;
  prices: PlanPrices | null;
  locale: string;
}) {
  const paidPlans = PLAN_KEYS.map((key) => PLANS[key]).filter(
    (plan) => Object.keys(plan.prices).length > 0,
  );
  return (
    <div className="grid gap-4 md:grid-cols-2">
      {paidPlans.map((plan) => (
        <div
          key={plan.key}
          className="rounded-lg border border-slate-200 bg-white p-5"
          data-testid={`plan-${plan.key}`}
        >
          <h3 className="text-lg font-semibold">{plan.name}</h3>
          <p className="text-sm text-slate-600">{plan.description}</p>
          <ul className="mt-3 space-y-1 text-sm text-slate-700">
            {plan.features.map((feature) => (
              <li key={feature}>{FEATURE_LABELS[feature]}</li>
            ))}
            <li>
              Up to {plan.limits.apiKeys} API keys{plan.perSeat ? " per seat" : ""}
            </li>
          </ul>
          <div className="mt-4 space-y-2">
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
                <div key={interval} className="flex items-center justify-between gap-3">
                  <span className="text-sm font-medium">{label}</span>
                  {isCurrent ? (
                    <span className="text-sm text-emerald-700">Current plan</span>
                  ) : startsAt ? (
                    <span className="text-sm text-slate-600">
                      Starts on {formatDate(startsAt, locale)}
                    </span>
                  ) : hasLiveSubscription ? (
                    <PortalButton flow="switch" price={price.lookupKey}>
                      Switch to {terms}
                    </PortalButton>
                  ) : (
                    <form action={subscribeToPlan}>
                      <input type="hidden" name="price" value={price.lookupKey} />
                      <SubmitButton variant="primary" pendingLabel="Opening checkout…">
                        Subscribe to {terms}
                      </SubmitButton>
                    </form>
                  )}
                </div>
              );
            })}
          </div>
        </div>
      ))}
    </div>
  );
}
