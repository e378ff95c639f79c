"use server";

import { redirect } from "next/navigation";
import { requireAdmin } from "@/lib/admin/access";
import { resyncCustomer } from "@/lib/admin/resync";

/**
 * "Resync now" (a plain POST form, works without JavaScript): the admin check first, then the
 * audit row and the sync (lib/admin/resync.ts), then back to the customer's page, which reads
 * the fixed state. Anyone but an admin gets the 404 and nothing happens.
 */
export async function resyncNowAction(formData: FormData): Promise<never> {
  const admin = await requireAdmin();
  const outcome = await resyncCustomer(admin.email, formData.get("customerId"));
  if (outcome.kind === "invalid") redirect("/admin/billing?resync=invalid");
  redirect(`/admin/billing/customers/${outcome.customerId}?resync=${outcome.kind}`);
}
