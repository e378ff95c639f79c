import type { Metadata } from "next";
import Link from "next/link";
import { requireUser } from "@/lib/auth/require-user";
import { parsePortalRequest } from "@/lib/billing/sessions/portal";
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
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          This billing link is not valid. {parsed.message}
        </p>
        <BackToBilling />
      </section>
    );
  }

  const { title, detail } = describePortalRequest(parsed.request);
  return (
    <section className="max-w-lg space-y-4">
      <h1 className="text-2xl font-semibold">{title}</h1>
      <p className="text-slate-600">{detail} Nothing changes until you confirm there.</p>
      <div className="flex flex-wrap items-center gap-4">
        <PortalButton
          flow={parsed.request.flow}
          price={parsed.request.flow === "switch" ? parsed.request.price : undefined}
          variant="primary"
        >
          Continue to Stripe
        </PortalButton>
        <BackToBilling />
      </div>
    </section>
  );
}

function BackToBilling() {
  return (
    <Link href="/settings/billing" className="text-sm text-slate-700 underline">
      Back to billing
    </Link>
  );
}
