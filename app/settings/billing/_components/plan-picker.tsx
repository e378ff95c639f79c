import { BILLING_INTERVALS, PLAN_KEYS, PLANS } from "@/lib/billing/catalog";
import { formatMoney } from "@/lib/format";
import { subscribeToPlan } from "../actions";
import { PortalButton } from "./portal-button";

const FEATURE_LABELS: Record<string, string> = {
  api_access: "API access",
  priority_support: "Priority support",
  audit_log: "Audit log",
  sso: "Single sign-on",
};

/**
 * The catalog's paid plans. Without a live subscription each price subscribes through Checkout;
 * with one, each other price is a portal deep link confirming the switch.
 */
export function PlanPicker({
  currentLookupKey,
  hasLiveSubscription,
}: {
  currentLookupKey: string | null;
  hasLiveSubscription: boolean;
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
            <li>Up to {plan.limits.projects} projects</li>
            {plan.features.map((feature) => (
              <li key={feature}>{FEATURE_LABELS[feature] ?? feature}</li>
            ))}
          </ul>
          <div className="mt-4 space-y-2">
            {BILLING_INTERVALS.map((interval) => {
              const price = plan.prices[interval];
              if (!price) return null;
              const label = `${formatMoney(price.unitAmount, price.currency)} / ${interval}${plan.perSeat ? " per seat" : ""}`;
              const isCurrent = price.lookupKey === currentLookupKey;
              return (
                <div key={interval} className="flex items-center justify-between gap-3">
                  <span className="text-sm font-medium">{label}</span>
                  {isCurrent ? (
                    <span className="text-sm text-emerald-700">Current plan</span>
                  ) : hasLiveSubscription ? (
                    <PortalButton flow="switch" price={price.lookupKey}>
                      Switch to {plan.name} {interval === "year" ? "yearly" : "monthly"}
                    </PortalButton>
                  ) : (
                    <form action={subscribeToPlan}>
                      <input type="hidden" name="price" value={price.lookupKey} />
                      <button
                        type="submit"
                        className="rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700"
                      >
                        Subscribe to {plan.name} {interval === "year" ? "yearly" : "monthly"}
                      </button>
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
