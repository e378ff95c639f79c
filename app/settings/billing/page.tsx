import type { Metadata } from "next";
import { requireUser } from "@/lib/auth/require-user";

export const metadata: Metadata = { title: "Billing" };

// PLACEHOLDER (coming soon): the billing page (plans, portal, invoices) arrives with the
// customer-facing billing issue. It already requires a signed-in user.
export default async function BillingPage() {
  await requireUser("/settings/billing");
  return (
    <section>
      <h1 className="text-2xl font-semibold">Billing</h1>
      <p className="mt-4 rounded-lg border border-dashed border-slate-300 bg-white p-6 text-slate-600">
        Coming soon: your plan, payment method and invoices, managed through the Stripe Customer
        Portal.
      </p>
    </section>
  );
}
