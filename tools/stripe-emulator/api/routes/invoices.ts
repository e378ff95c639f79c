/** `/v1/invoices`, including `pay` (which runs the same retry as dunning). */
import { ApiError, badRequest, cardDeclined, noSuch } from "../../http/errors";
import { idOf } from "../../http/expand";
import { str } from "../../http/params";
import { attemptInvoicePayment } from "../../resources/invoices/payment";
import * as invoices from "../../resources/invoices/invoices";
import { paymentNeedsAction } from "../../resources/invoices/payment-intents";
import { retryOpenInvoice } from "../../resources/subscriptions/retries";
import { at, route, type Route } from "../router";

export const invoiceRoutes: Route[] = [
  route("GET", "/invoices", { params: "InvoiceListParams", returns: "ApiList<Invoice>" }, (c, p) =>
    invoices.listInvoices(c, p),
  ),
  route(
    "GET",
    "/invoices/:id",
    { params: "InvoiceRetrieveParams", returns: "Invoice" },
    (c, _p, m) => invoices.getInvoice(c, at(m, 1)),
  ),
  route(
    "POST",
    "/invoices/:id/void",
    { params: "InvoiceVoidInvoiceParams", returns: "Invoice" },
    (c, _p, m) => invoices.voidInvoice(c, invoices.getInvoice(c, at(m, 1))),
  ),
  route(
    "POST",
    "/invoices/:id/mark_uncollectible",
    { params: "InvoiceMarkUncollectibleParams", returns: "Invoice" },
    (c, _p, m) => invoices.markUncollectible(c, invoices.getInvoice(c, at(m, 1))),
  ),
  route(
    "POST",
    "/invoices/:id/pay",
    { params: "InvoicePayParams", returns: "Invoice" },
    (c, p, m) => {
      const inv = invoices.getInvoice(c, at(m, 1));
      if (inv.status === "paid") throw badRequest("Invoice is already paid");
      if (inv.status === "void") throw badRequest("You cannot pay a voided invoice.");
      // A named card must be one of the invoice's customer's (Stripe: resource_missing otherwise).
      const pmId = str(p, "payment_method");
      if (pmId !== undefined) {
        const pm = c.s.paymentMethods[pmId];
        if (!pm || idOf(pm.customer) !== idOf(inv.customer))
          throw noSuch("PaymentMethod", pmId, "payment_method");
      }
      const subId = invoices.invoiceSubscriptionId(inv);
      const sub = subId ? c.s.subscriptions[subId] : undefined;
      if (sub) retryOpenInvoice(c, sub, inv, pmId);
      else attemptInvoicePayment(c, inv, pmId ?? null, null);
      if (inv.status !== "paid" && paymentNeedsAction(c, inv)) {
        // Stripe's answer when the card asks for 3-D Secure: the customer must authenticate.
        throw new ApiError(
          402,
          "card_error",
          "This payment requires additional user action before it can be completed successfully. Payment can be completed using the PaymentIntent associated with the invoice.",
          "invoice_payment_intent_requires_action",
        );
      }
      if (inv.status !== "paid") throw cardDeclined();
      return inv;
    },
  ),
];
