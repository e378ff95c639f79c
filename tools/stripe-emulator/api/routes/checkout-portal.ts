/** `/v1/checkout/sessions` and `/v1/billing_portal/…` (configurations, sessions). */
import { strArr } from "../../http/params";
import * as checkout from "../../resources/checkout/sessions";
import * as portal from "../../resources/billing-portal/configurations";
import { createPortalSession } from "../../resources/billing-portal/sessions";
import { at, route, type Route } from "../router";

export const checkoutRoutes: Route[] = [
  route(
    "POST",
    "/checkout/sessions",
    { params: "Checkout.SessionCreateParams", returns: "Checkout.Session" },
    (c, p) => checkout.createCheckoutSession(c, p),
  ),
  route(
    "GET",
    "/checkout/sessions",
    { params: "Checkout.SessionListParams", returns: "ApiList<Checkout.Session>" },
    (c, p) => checkout.listCheckoutSessions(c, p),
  ),
  route(
    "GET",
    "/checkout/sessions/:id",
    { params: "Checkout.SessionRetrieveParams", returns: "Checkout.Session" },
    (c, p, m) => {
      const session = checkout.getCheckoutSession(c, at(m, 1));
      const expand = strArr(p, "expand") ?? [];
      return expand.includes("line_items")
        ? { ...session, line_items: checkout.lineItems(c, session) }
        : session;
    },
  ),
  route(
    "GET",
    "/checkout/sessions/:id/line_items",
    { params: "Checkout.SessionListLineItemsParams", returns: "ApiList<LineItem>" },
    (c, _p, m) => checkout.lineItems(c, checkout.getCheckoutSession(c, at(m, 1))),
  ),
  route(
    "POST",
    "/checkout/sessions/:id/expire",
    { params: "Checkout.SessionExpireParams", returns: "Checkout.Session" },
    (c, _p, m) => checkout.expireCheckoutSession(c, at(m, 1)),
  ),
];

export const portalRoutes: Route[] = [
  route(
    "POST",
    "/billing_portal/configurations",
    { params: "BillingPortal.ConfigurationCreateParams", returns: "BillingPortal.Configuration" },
    (c, p) => portal.createConfiguration(c, p),
  ),
  route(
    "GET",
    "/billing_portal/configurations",
    {
      params: "BillingPortal.ConfigurationListParams",
      returns: "ApiList<BillingPortal.Configuration>",
    },
    (c, p) => portal.listConfigurations(c, p),
  ),
  route(
    "GET",
    "/billing_portal/configurations/:id",
    { params: "BillingPortal.ConfigurationRetrieveParams", returns: "BillingPortal.Configuration" },
    (c, _p, m) => portal.getConfiguration(c, at(m, 1)),
  ),
  route(
    "POST",
    "/billing_portal/configurations/:id",
    { params: "BillingPortal.ConfigurationUpdateParams", returns: "BillingPortal.Configuration" },
    (c, p, m) => portal.updateConfiguration(c, at(m, 1), p),
  ),
  route(
    "POST",
    "/billing_portal/sessions",
    { params: "BillingPortal.SessionCreateParams", returns: "BillingPortal.Session" },
    (c, p) => createPortalSession(c, p),
  ),
];
