import type { Metadata } from "next";
import { CircleAlert, ExternalLink } from "lucide-react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Card, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { requireUser } from "@/lib/auth/require-user";
import { parsePortalRequest } from "@/lib/billing/sessions/portal";
import { BackLink } from "../_components/back-link";
import { PortalButton } from "../_components/portal-button";
import { describePortalRequest, PORTAL_CONFIRM_PATH, portalConfirmationPath } from "./confirmation";

export const metadata: Metadata = { title: "Open billing" };
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/**
 * Where billing links from emails land (through GET /api/billing/portal). Opening a link, from an
 * email or from another site, only shows what it would do; the button posts to the Server Action
 * (same-origin, checked by Next), which alone creates the customer and the portal session.
 */
export default async function OpenBillingPortalPage({ searchParams }: Props) {
  const parsed = parsePortalRequest(await searchParams);
  await requireUser(parsed.ok ? portalConfirmationPath(parsed.request) : PORTAL_CONFIRM_PATH);
  if (!parsed.ok) {
    return (
      <section className="max-w-lg space-y-4">
        <h1 className="text-2xl font-semibold">Billing</h1>
        <Alert variant="destructive">
          <CircleAlert aria-hidden="true" />
          <AlertDescription>
            <p>This billing link is not valid. {parsed.message}</p>
          </AlertDescription>
        </Alert>
        <BackLink href="/settings/billing">Back to billing</BackLink>
      </section>
    );
  }

  const { title, detail } = describePortalRequest(parsed.request);
  return (
    <section className="max-w-lg">
      <Card>
        <CardHeader>
          <CardTitle>
            <h1 className="text-2xl leading-tight">{title}</h1>
          </CardTitle>
          <CardDescription>
            <p className="text-base">{detail} Nothing changes until you confirm there.</p>
          </CardDescription>
        </CardHeader>
        <CardFooter className="flex-wrap gap-4">
          <PortalButton
            flow={parsed.request.flow}
            price={parsed.request.flow === "switch" ? parsed.request.price : undefined}
            variant="default"
          >
            Continue to Stripe
            <ExternalLink aria-hidden="true" />
          </PortalButton>
          <BackLink href="/settings/billing">Back to billing</BackLink>
        </CardFooter>
      </Card>
    </section>
  );
}
