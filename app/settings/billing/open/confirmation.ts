import { catalogEntryForLookupKey } from "@/lib/billing/catalog/plans";
import type { PortalRequest } from "@/lib/billing/sessions/portal";
import { planWithTerms } from "@/lib/billing/page/subscription-summary";

/** The page that names a portal action and opens it only on a button press (a POST). */
export const PORTAL_CONFIRM_PATH = "/settings/billing/open";

/** `/settings/billing/open?flow=switch&price=team_yearly`, from a parsed request only. */
export function portalConfirmationPath(request: PortalRequest): string {
  const query = new URLSearchParams({ flow: request.flow });
  if (request.flow === "switch") query.set("price", request.price);
  return `${PORTAL_CONFIRM_PATH}?${query}`;
}

/** What the portal will offer, in words: the page's heading and the line under it. */
export function describePortalRequest(request: PortalRequest): { title: string; detail: string } {
  switch (request.flow) {
    case "manage":
      return {
        title: "Manage billing",
        detail: "Stripe's billing portal opens with your plan, payment methods and invoices.",
      };
    case "payment_method":
      return {
        title: "Update your payment method",
        detail: "Stripe's billing portal opens on the form for a new card.",
      };
    case "cancel":
      return {
        title: "Cancel your subscription",
        detail:
          "Stripe's billing portal shows when your subscription would end and asks you to confirm.",
      };
    case "change_plan":
      return {
        title: "Change your plan",
        detail: "Stripe's billing portal lists the plans you can switch to, with their prices.",
      };
    case "switch": {
      const entry = catalogEntryForLookupKey(request.price);
      const plan = entry
        ? planWithTerms(entry.plan.name, entry.price.interval, 1, false)
        : request.price;
      return {
        title: `Switch to ${plan}`,
        detail: "Stripe's billing portal shows the new price and what you would pay now.",
      };
    }
  }
}
