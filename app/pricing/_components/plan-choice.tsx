import { Button } from "@/components/ui/button";
import { trialText } from "@/lib/billing/catalog/offers";
import { SUBSCRIBE_CONFIRM_PATH, type PricingOffer } from "@/lib/billing/page/pricing";
import { subscribeToPlan } from "@/app/settings/billing/actions";
import { PortalButton } from "@/app/settings/billing/_components/portal-button";
import { SeatsField } from "@/app/settings/billing/_components/seats-field";
import { SubmitButton } from "@/app/settings/billing/_components/submit-button";

/**
 * A pricing card's call to action. Anonymous visitors send a GET form to the subscribe
 * confirmation (sign-in first; the choice rides in the callback URL and changes nothing);
 * signed-in visitors post to the billing page's Server Action (Checkout); subscribers switch in
 * the Customer Portal. Plain forms: all of it works without JavaScript.
 */
export function PlanChoice({ offer }: { offer: PricingOffer }) {
  const terms = `${offer.plan.name} ${offer.interval === "year" ? "yearly" : "monthly"}`;
  if (offer.action === "current") {
    return (
      <PortalButton flow="manage" className="w-full">
        Manage your plan
      </PortalButton>
    );
  }
  if (offer.action === "switch") {
    return (
      <PortalButton flow="switch" price={offer.lookupKey} className="w-full">
        Switch to {terms}
      </PortalButton>
    );
  }

  const fields = (
    <>
      <input type="hidden" name="price" value={offer.lookupKey} />
      {offer.seats && (
        <SeatsField
          id={`seats-${offer.lookupKey}`}
          range={offer.seats}
          hint={`${offer.seats.min} to ${offer.seats.max} seats; change them any time in the billing portal.`}
        />
      )}
    </>
  );

  if (offer.action === "sign_in") {
    return (
      <form method="get" action={SUBSCRIBE_CONFIRM_PATH} className="grid gap-3">
        {fields}
        {offer.trial && (
          <Button type="submit" name="trial" value="1" className="w-full">
            Start {trialText(offer.trial)}
          </Button>
        )}
        <Button type="submit" variant={offer.trial ? "outline" : "default"} className="w-full">
          Subscribe to {terms}
        </Button>
      </form>
    );
  }

  return (
    <form action={subscribeToPlan} className="grid gap-3">
      {fields}
      {offer.trial && (
        <SubmitButton
          name="trial"
          value="1"
          variant="default"
          pendingLabel="Opening checkout…"
          className="w-full"
        >
          Start {trialText(offer.trial)}
        </SubmitButton>
      )}
      <SubmitButton
        variant={offer.trial ? "outline" : "default"}
        pendingLabel="Opening checkout…"
        className="w-full"
      >
        Subscribe to {terms}
      </SubmitButton>
    </form>
  );
}
