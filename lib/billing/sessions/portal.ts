import type Stripe from "stripe";
import { z } from "zod";
import { BillingActionError, toBillingActionError } from "@/lib/billing/sessions/errors";
import { enforceBillingRateLimit } from "@/lib/billing/sessions/rate-limits";
import { catalogEntryForLookupKey, catalogLookupKeys } from "@/lib/billing/catalog/plans";
import { isLiveSubscriptionStatus } from "@/lib/billing/access/current-subscription";
import { getOrCreateStripeCustomer } from "@/lib/billing/customers";
import { loadCurrentSubscription } from "@/lib/billing/access/subscriptions";
import { resolvePortalConfigurationId } from "@/lib/billing/config/portal";
import { resolveCatalogPrices } from "@/lib/billing/catalog/prices";
import { idOf } from "@/lib/billing/stripe/ids";
import { planItem } from "@/lib/billing/sync/records";
import { billingReturnUrl } from "@/lib/billing/sessions/returns";
import { getStripe } from "@/lib/stripe";

/**
 * What the customer wants to do in the portal. `manage` opens the portal's home page; the others
 * are deep links (`flow_data`) that show only that action and then come back to the billing page.
 */
export const PORTAL_FLOWS = [
  "manage",
  "payment_method",
  "cancel",
  "change_plan",
  "switch",
] as const;
export type PortalFlow = (typeof PORTAL_FLOWS)[number];

export const portalRequestSchema = z.discriminatedUnion("flow", [
  z.object({ flow: z.literal("manage") }),
  z.object({ flow: z.literal("payment_method") }),
  z.object({ flow: z.literal("cancel") }),
  z.object({ flow: z.literal("change_plan") }),
  z.object({
    flow: z.literal("switch"),
    price: z.string().refine((key) => catalogLookupKeys().includes(key), {
      message: `price must be one of: ${catalogLookupKeys().join(", ")}`,
    }),
  }),
]);
export type PortalRequest = z.infer<typeof portalRequestSchema>;

/** Parses untrusted input (form fields, query string, JSON) into a PortalRequest. */
export function parsePortalRequest(
  input: Record<string, unknown>,
): { ok: true; request: PortalRequest } | { ok: false; message: string } {
  const flow = input.flow ?? "manage";
  if (typeof flow !== "string" || !(PORTAL_FLOWS as readonly string[]).includes(flow)) {
    return {
      ok: false,
      message: `Unknown billing flow ${JSON.stringify(flow)}. Expected one of: ${PORTAL_FLOWS.join(", ")}.`,
    };
  }
  const parsed = portalRequestSchema.safeParse({ ...input, flow });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      message: `Invalid billing flow "${flow}": ${issue?.path.join(".") || "input"} ${issue?.message ?? "is invalid"}.`,
    };
  }
  return { ok: true, request: parsed.data };
}

/**
 * A fresh, single-use Customer Portal URL for the signed-in user. The customer id comes from our
 * database (created on first need), never from the browser, and every deep link is checked
 * against the user's own subscription. Short-lived by design: create on each click, never store.
 */
export async function createPortalSessionUrl(
  userId: string,
  request: PortalRequest,
  options: { rateLimitChecked?: boolean } = {},
): Promise<string> {
  if (!options.rateLimitChecked) await enforceBillingRateLimit(userId);
  try {
    const customer = await getOrCreateStripeCustomer(userId);
    const configuration = await resolvePortalConfigurationId();
    const flowData = await buildFlowData(userId, customer, request);
    const session = await getStripe().billingPortal.sessions.create({
      customer,
      configuration,
      // Through the return route, which syncs before the page renders (see sessions/returns.ts).
      return_url: billingReturnUrl("portal"),
      ...(flowData && { flow_data: flowData }),
    });
    return session.url;
  } catch (error) {
    throw toBillingActionError(error, `portal session (${request.flow})`);
  }
}

async function buildFlowData(
  userId: string,
  customer: string,
  request: PortalRequest,
): Promise<Stripe.BillingPortal.SessionCreateParams.FlowData | null> {
  if (request.flow === "manage") return null;
  const afterCompletion = {
    type: "redirect" as const,
    redirect: { return_url: billingReturnUrl("portal") },
  };
  if (request.flow === "payment_method") {
    return { type: "payment_method_update", after_completion: afterCompletion };
  }

  const current = await loadCurrentSubscription(userId);
  if (
    !current ||
    !isLiveSubscriptionStatus(current.status) ||
    current.stripeCustomerId !== customer
  ) {
    throw new BillingActionError("no_subscription");
  }
  if (request.flow === "cancel") {
    return {
      type: "subscription_cancel",
      subscription_cancel: { subscription: current.id },
      after_completion: afterCompletion,
    };
  }
  if (request.flow === "change_plan") {
    return {
      type: "subscription_update",
      subscription_update: { subscription: current.id },
      after_completion: afterCompletion,
    };
  }

  // switch: confirm a specific catalog price on the subscription's item.
  if (!catalogEntryForLookupKey(request.price)) throw new BillingActionError("unknown_plan");
  const [subscription, prices] = await Promise.all([
    getStripe().subscriptions.retrieve(current.id),
    resolveCatalogPrices(),
  ]);
  if (idOf(subscription.customer) !== customer) throw new BillingActionError("no_subscription");
  // The same item the sync reads the plan from.
  const item = planItem(subscription);
  const target = prices.byLookupKey.get(request.price);
  if (!item) throw new BillingActionError("no_subscription");
  if (!target) throw new BillingActionError("unknown_plan");
  if (item.price.id === target.id) throw new BillingActionError("same_plan");
  return {
    type: "subscription_update_confirm",
    subscription_update_confirm: {
      subscription: subscription.id,
      items: [{ id: item.id, price: target.id, quantity: item.quantity ?? 1 }],
    },
    after_completion: afterCompletion,
  };
}
