import type { Metadata } from "next";
import { headers } from "next/headers";
import { CircleAlert, ExternalLink } from "lucide-react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import {
  Card,
  CardContent,
  CardDescription,
  CardFooter,
  CardHeader,
  CardTitle,
} from "@/components/ui/card";
import { requireUser } from "@/lib/auth/require-user";
import { trialText } from "@/lib/billing/catalog/offers";
import {
  choiceAmountText,
  loadSubscribeConfirmation,
  parseSubscribeRequest,
  SUBSCRIBE_CONFIRM_PATH,
  subscribeConfirmationPath,
} from "@/lib/billing/page/pricing";
import { planWithTerms } from "@/lib/billing/page/subscription-summary";
import { resolveLocale } from "@/lib/format";
import { subscribeToPlan } from "../actions";
import { PortalButton } from "../_components/portal-button";
import { BackLink } from "../_components/back-link";
import { SeatsField } from "../_components/seats-field";
import { SubmitButton } from "../_components/submit-button";

export const metadata: Metadata = { title: "Subscribe" };
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/**
 * Where a plan picked on /pricing lands after sign-in. Opening it changes nothing (a GET may come
 * from any site); its button posts to the Server Action that checks everything again and opens
 * Checkout.
 */
export default async function SubscribePage({ searchParams }: Props) {
  const parsed = parseSubscribeRequest(await searchParams);
  const user = await requireUser(
    parsed.ok ? subscribeConfirmationPath(parsed.request) : SUBSCRIBE_CONFIRM_PATH,
  );
  if (!parsed.ok) {
    return (
      <section className="max-w-lg space-y-4">
        <h1 className="text-2xl font-semibold">Subscribe</h1>
        <Alert variant="destructive">
          <CircleAlert aria-hidden="true" />
          <AlertDescription>
            <p>This plan choice is not valid. {parsed.message}</p>
          </AlertDescription>
        </Alert>
        <BackLink href="/pricing">Back to pricing</BackLink>
      </section>
    );
  }

  const locale = resolveLocale((await headers()).get("accept-language"));
  const { request, amount, trial, trialUsed, subscribed } = await loadSubscribeConfirmation(
    user.id,
    parsed.request,
  );
  const plan = planWithTerms(request.plan.name, request.interval, 1, false);

  if (subscribed) {
    return (
      <section className="max-w-lg">
        <Card>
          <CardHeader>
            <CardTitle>
              <h1 className="text-2xl leading-tight">Switch to {plan}</h1>
            </CardTitle>
            <CardDescription>
              <p className="text-base">
                You already have a subscription, so the switch happens in Stripe&apos;s billing
                portal, which shows the new price and what you would pay now.
              </p>
            </CardDescription>
          </CardHeader>
          <CardFooter className="flex-wrap gap-4">
            <PortalButton flow="switch" price={request.lookupKey} variant="default">
              Continue to Stripe
              <ExternalLink aria-hidden="true" />
            </PortalButton>
            <BackLink href="/pricing">Back to pricing</BackLink>
          </CardFooter>
        </Card>
      </section>
    );
  }

  return (
    <section className="max-w-lg space-y-4">
      {trialUsed && (
        <Alert variant="warning">
          <CircleAlert aria-hidden="true" />
          <AlertDescription>
            <p>
              The free trial is for your first subscription only, and you&apos;ve had one.
              Subscribing starts billing today.
            </p>
          </AlertDescription>
        </Alert>
      )}
      <Card>
        <CardHeader>
          <CardTitle>
            <h1 className="text-2xl leading-tight">
              {trial ? `Try ${plan} free` : `Subscribe to ${plan}`}
            </h1>
          </CardTitle>
          <CardDescription>
            <p className="text-base" data-testid="subscribe-amount">
              {amount
                ? choiceAmountText(amount, request.plan, request.interval, request.seats, locale)
                : "Stripe Checkout shows the price."}
              {trial ? ` after your ${trialText(trial)}.` : ""}
            </p>
          </CardDescription>
        </CardHeader>
        <form action={subscribeToPlan}>
          <CardContent className="space-y-4">
            <input type="hidden" name="price" value={request.lookupKey} />
            {trial && <input type="hidden" name="trial" value="1" />}
            {request.plan.perSeat && request.plan.seats && (
              <SeatsField
                id="seats"
                range={request.plan.seats}
                defaultValue={request.seats}
                className="max-w-32"
              />
            )}
            <p className="text-muted-foreground text-sm">
              {trial && !trial.cardUpFront
                ? "Stripe's secure Checkout opens next. No card is needed for the trial; add one in the billing portal before it ends to keep the plan."
                : "Stripe's secure Checkout opens next, where you can also enter a promotion code."}
            </p>
          </CardContent>
          <CardFooter className="mt-6 flex-wrap gap-4">
            <SubmitButton variant="default" pendingLabel="Opening checkout…">
              Continue to Checkout
              <ExternalLink aria-hidden="true" />
            </SubmitButton>
            <BackLink href="/pricing">Back to pricing</BackLink>
          </CardFooter>
        </form>
      </Card>
    </section>
  );
}
