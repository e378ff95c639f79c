/**
 * The `/v1` route table, one file per API area. Each route names the SDK types it speaks (see
 * api/router.ts). Imported by api/handle.ts and the conformance suite only.
 */
import type { Route } from "../router";
import { catalogRoutes } from "./catalog";
import { checkoutRoutes, portalRoutes } from "./checkout-portal";
import { customerRoutes, paymentMethodRoutes } from "./customers";
import { discountRoutes } from "./discounts";
import { eventRoutes, testClockRoutes, webhookEndpointRoutes } from "./developers";
import { invoiceRoutes } from "./invoices";
import { subscriptionRoutes } from "./subscriptions";

const routes: readonly Route[] = [
  ...customerRoutes,
  ...catalogRoutes,
  ...discountRoutes,
  ...paymentMethodRoutes,
  ...subscriptionRoutes,
  ...invoiceRoutes,
  ...checkoutRoutes,
  ...portalRoutes,
  ...webhookEndpointRoutes,
  ...testClockRoutes,
  ...eventRoutes,
];

/** The route table, for request handling and the conformance suite. */
export function apiRoutes(): readonly Readonly<Route>[] {
  return routes;
}
