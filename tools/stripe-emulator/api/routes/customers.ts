/** `/v1/customers` and `/v1/payment_methods`. */
import { ApiError } from "../../http/errors";
import { strArr } from "../../http/params";
import * as customers from "../../resources/customers";
import * as pms from "../../resources/payment-methods";
import { listSubscriptions } from "../../resources/subscriptions/subscriptions";
import { at, route, type Route } from "../router";

export const customerRoutes: Route[] = [
  route("POST", "/customers", { params: "CustomerCreateParams", returns: "Customer" }, (c, p) =>
    customers.createCustomer(c, p),
  ),
  route(
    "GET",
    "/customers",
    { params: "CustomerListParams", returns: "ApiList<Customer>" },
    (c, p) => customers.listCustomers(c, p),
  ),
  route(
    "GET",
    "/customers/:id",
    { params: "CustomerRetrieveParams", returns: "Customer|DeletedCustomer" },
    (c, p, m) => {
      const cid = at(m, 1);
      if (c.s.deletedCustomers[cid]) return { id: cid, object: "customer", deleted: true };
      const customer = customers.getCustomer(c, cid);
      // `subscriptions` is an includable list on the customer, only present when expanded.
      if ((strArr(p, "expand") ?? []).includes("subscriptions")) {
        return {
          ...customer,
          subscriptions: listSubscriptions(c, { customer: cid, limit: "100" }),
        };
      }
      return customer;
    },
  ),
  route(
    "POST",
    "/customers/:id",
    { params: "CustomerUpdateParams", returns: "Customer" },
    (c, p, m) => customers.updateCustomer(c, at(m, 1), p),
  ),
  route(
    "DELETE",
    "/customers/:id",
    { params: "CustomerDeleteParams", returns: "DeletedCustomer" },
    (c, _p, m) => customers.deleteCustomer(c, at(m, 1)),
  ),
  route(
    "GET",
    "/customers/:id/payment_methods",
    { params: "CustomerListPaymentMethodsParams", returns: "ApiList<PaymentMethod>" },
    (c, p, m) => pms.listPaymentMethods(c, p, at(m, 1)),
  ),
];

export const paymentMethodRoutes: Route[] = [
  route(
    "POST",
    "/payment_methods",
    { params: "PaymentMethodCreateParams", returns: "PaymentMethod" },
    (c, p) => pms.createPaymentMethod(c, p),
  ),
  route(
    "GET",
    "/payment_methods",
    { params: "PaymentMethodListParams", returns: "ApiList<PaymentMethod>" },
    (c, p) => pms.listPaymentMethods(c, p),
  ),
  route(
    "GET",
    "/payment_methods/:id",
    { params: "PaymentMethodRetrieveParams", returns: "PaymentMethod" },
    (c, _p, m) => pms.getPaymentMethod(c, at(m, 1)),
  ),
  route(
    "POST",
    "/payment_methods/:id",
    { params: "PaymentMethodUpdateParams", returns: "PaymentMethod" },
    (c, p, m) => pms.updatePaymentMethod(c, at(m, 1), p),
  ),
  route(
    "POST",
    "/payment_methods/:id/attach",
    { params: "PaymentMethodAttachParams", returns: "PaymentMethod" },
    (c, p, m) => {
      const customer = p.customer;
      if (typeof customer !== "string" || !customer)
        throw new ApiError(
          400,
          "invalid_request_error",
          "Missing required param: customer.",
          "parameter_missing",
          "customer",
        );
      return pms.attachPaymentMethod(c, at(m, 1), customer);
    },
  ),
  route(
    "POST",
    "/payment_methods/:id/detach",
    { params: "PaymentMethodDetachParams", returns: "PaymentMethod" },
    (c, _p, m) => pms.detachPaymentMethod(c, at(m, 1)),
  ),
];
