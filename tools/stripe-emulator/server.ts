/**
 * Local, stateful emulator of the slice of Stripe this app uses. Node's http server only.
 * `startStripeEmulator()` is the entry point for tests and the CLI.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { EmulatorCore } from "./engine/state-machine";
import type { Ctx } from "./engine/request-context";
import { handleControl } from "./control/routes";
import { ApiError, badRequest, cardDeclined, noSuch } from "./http/errors";
import { applyExpand, expandTooDeep } from "./http/expand";
import { paginate } from "./http/list";
import { parseForm } from "./http/form";
import { IdempotencyStore } from "./http/idempotency";
import { str, strArr, type Params } from "./http/params";
import { readBody, sendJson } from "./http/respond";
import { checkParams } from "./schema/check-params";
import type { DeliveryMode } from "./webhooks/delivery-mode";
import { describeDeliveryMode } from "./webhooks/delivery-mode";
import { DEFAULT_ACCOUNT_API_VERSION, getEvent, listEvents } from "./webhooks/events";
import { handleCheckoutPage } from "./pages/checkout";
import { handleInvoicePage } from "./pages/invoice";
import { handlePortalPage } from "./pages/portal/handler";
import * as checkout from "./resources/checkout";
import * as customers from "./resources/customers";
import * as invoices from "./resources/invoices";
import { paymentNeedsAction, withInvoicePayments } from "./resources/payment-intents";
import * as pms from "./resources/payment-methods";
import * as portal from "./resources/portal";
import * as prices from "./resources/prices";
import * as schedules from "./resources/subscription-schedules";
import { cancelScheduleById, cancelSubscription } from "./resources/subscriptions/cancel";
import { createSubscription } from "./resources/subscriptions/create";
import { retryOpenInvoice } from "./resources/subscriptions/lifecycle";
import { getSubscription, listSubscriptions } from "./resources/subscriptions/subscriptions";
import { updateSubscription } from "./resources/subscriptions/update";
import * as testClocks from "./resources/test-clocks";
import { startDunning, type DunningOption } from "./resources/subscriptions/dunning";
import * as webhooks from "./resources/webhook-endpoints";
import { randomToken, type Mode } from "./engine/store";

export interface StripeEmulatorOptions {
  /** 0 or undefined: a free port. */
  port?: number;
  /** Persist state as JSON here (debounced atomic writes) and load it on start. */
  stateFile?: string;
  /**
   * Deliver every event here too, like `stripe listen --forward-to`; rendered at `apiVersion`,
   * else the account default (like `stripe listen` without `--latest`).
   */
  forward?: { url: string; secret: string; apiVersion?: string };
  log?: (line: string) => void;
  /** Backoff before each webhook retry, ms. Default [500, 1000, 2000, 4000]. */
  retryDelaysMs?: number[];
  /** Per-attempt webhook timeout, ms. Default 10000. */
  webhookTimeoutMs?: number;
  /** Webhook delivery mode (default ordered); see delivery-mode.ts. The seed is logged on start. */
  delivery?: Partial<DeliveryMode>;
  /** The account's default API version (endpoints without `api_version`). Default: older than the SDK's. */
  accountApiVersion?: string;
  /** Start even with NODE_ENV=production (same as STRIPE_EMULATOR_ALLOW_PRODUCTION=1). */
  allowProduction?: boolean;
  /**
   * Failed-payment settings (Stripe's account settings), for both modes or per mode
   * (`{ live: {...} }`); default retries after 3, 2, 2 days, then cancel. See dunning.ts.
   */
  dunning?: DunningOption;
  /** How long a test clock stays `advancing` before its steps run, ms. Default 500. */
  testClockAdvanceMs?: number;
}

export interface RunningStripeEmulator {
  /** `http://localhost:PORT` (never 127.0.0.1: Next.js cookies are host-bound). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

type Handler = (ctx: Ctx, p: Params, m: string[]) => unknown;
/**
 * What a route speaks, by SDK type name: `params` (validated before the handler, see
 * schema/check-params.ts) and `returns` (checked by the conformance suite; `A|B` for either).
 * Both must be listed in schema/roots.ts.
 */
export interface RouteSpec {
  params: string;
  returns: string;
}
interface Route extends RouteSpec {
  method: string;
  re: RegExp;
  /** `"GET /v1/customers/:id"`: the key in request accounting. */
  pattern: string;
  handler: Handler;
}

const id = "([^/]+)";
const routes: Route[] = [];
function route(method: string, path: string, spec: RouteSpec, handler: Handler): void {
  routes.push({
    method,
    re: new RegExp(`^/v1${path.replace(/:id/g, id)}$`),
    pattern: `${method} /v1${path}`,
    handler,
    ...spec,
  });
}

/** The route table, for the conformance suite. */
export function apiRoutes(): readonly Readonly<Route>[] {
  return routes;
}
const at = (m: string[], i: number): string => decodeURIComponent(m[i] ?? "");

route("POST", "/customers", { params: "CustomerCreateParams", returns: "Customer" }, (c, p) =>
  customers.createCustomer(c, p),
);
route("GET", "/customers", { params: "CustomerListParams", returns: "ApiList<Customer>" }, (c, p) =>
  customers.listCustomers(c, p),
);
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
);
route(
  "POST",
  "/customers/:id",
  { params: "CustomerUpdateParams", returns: "Customer" },
  (c, p, m) => customers.updateCustomer(c, at(m, 1), p),
);
route(
  "DELETE",
  "/customers/:id",
  { params: "CustomerDeleteParams", returns: "DeletedCustomer" },
  (c, _p, m) => customers.deleteCustomer(c, at(m, 1)),
);
route(
  "GET",
  "/customers/:id/payment_methods",
  { params: "CustomerListPaymentMethodsParams", returns: "ApiList<PaymentMethod>" },
  (c, p, m) => pms.listPaymentMethods(c, p, at(m, 1)),
);

route("POST", "/products", { params: "ProductCreateParams", returns: "Product" }, (c, p) =>
  prices.createProduct(c, p),
);
route("GET", "/products", { params: "ProductListParams", returns: "ApiList<Product>" }, (c, p) =>
  prices.listProducts(c, p),
);
route("GET", "/products/:id", { params: "ProductRetrieveParams", returns: "Product" }, (c, _p, m) =>
  prices.getProduct(c, at(m, 1)),
);
route("POST", "/products/:id", { params: "ProductUpdateParams", returns: "Product" }, (c, p, m) =>
  prices.updateProduct(c, at(m, 1), p),
);
route("POST", "/prices", { params: "PriceCreateParams", returns: "Price" }, (c, p) =>
  prices.createPrice(c, p),
);
route("GET", "/prices", { params: "PriceListParams", returns: "ApiList<Price>" }, (c, p) =>
  prices.listPrices(c, p),
);
route("GET", "/prices/:id", { params: "PriceRetrieveParams", returns: "Price" }, (c, _p, m) =>
  prices.getPrice(c, at(m, 1)),
);
route("POST", "/prices/:id", { params: "PriceUpdateParams", returns: "Price" }, (c, p, m) =>
  prices.updatePrice(c, at(m, 1), p),
);

route(
  "POST",
  "/payment_methods",
  { params: "PaymentMethodCreateParams", returns: "PaymentMethod" },
  (c, p) => pms.createPaymentMethod(c, p),
);
route(
  "GET",
  "/payment_methods",
  { params: "PaymentMethodListParams", returns: "ApiList<PaymentMethod>" },
  (c, p) => pms.listPaymentMethods(c, p),
);
route(
  "GET",
  "/payment_methods/:id",
  { params: "PaymentMethodRetrieveParams", returns: "PaymentMethod" },
  (c, _p, m) => pms.getPaymentMethod(c, at(m, 1)),
);
route(
  "POST",
  "/payment_methods/:id",
  { params: "PaymentMethodUpdateParams", returns: "PaymentMethod" },
  (c, p, m) => pms.updatePaymentMethod(c, at(m, 1), p),
);
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
);
route(
  "POST",
  "/payment_methods/:id/detach",
  { params: "PaymentMethodDetachParams", returns: "PaymentMethod" },
  (c, _p, m) => pms.detachPaymentMethod(c, at(m, 1)),
);

route(
  "POST",
  "/subscriptions",
  { params: "SubscriptionCreateParams", returns: "Subscription" },
  (c, p) => createSubscription(c, p),
);
route(
  "GET",
  "/subscriptions",
  { params: "SubscriptionListParams", returns: "ApiList<Subscription>" },
  (c, p) => listSubscriptions(c, p),
);
route(
  "GET",
  "/subscriptions/:id",
  { params: "SubscriptionRetrieveParams", returns: "Subscription" },
  (c, _p, m) => getSubscription(c, at(m, 1)),
);
route(
  "POST",
  "/subscriptions/:id",
  { params: "SubscriptionUpdateParams", returns: "Subscription" },
  (c, p, m) => updateSubscription(c, at(m, 1), p),
);
route(
  "DELETE",
  "/subscriptions/:id",
  { params: "SubscriptionCancelParams", returns: "Subscription" },
  (c, p, m) => cancelSubscription(c, at(m, 1), p),
);

route(
  "GET",
  "/subscription_schedules",
  { params: "SubscriptionScheduleListParams", returns: "ApiList<SubscriptionSchedule>" },
  (c, p) => schedules.listSchedules(c, p),
);
route(
  "GET",
  "/subscription_schedules/:id",
  { params: "SubscriptionScheduleRetrieveParams", returns: "SubscriptionSchedule" },
  (c, _p, m) => schedules.getSchedule(c, at(m, 1)),
);
route(
  "POST",
  "/subscription_schedules/:id/release",
  { params: "SubscriptionScheduleReleaseParams", returns: "SubscriptionSchedule" },
  (c, p, m) => schedules.releaseScheduleById(c, at(m, 1), p),
);
route(
  "POST",
  "/subscription_schedules/:id/cancel",
  { params: "SubscriptionScheduleCancelParams", returns: "SubscriptionSchedule" },
  (c, p, m) => cancelScheduleById(c, at(m, 1), p),
);

route(
  "GET",
  "/subscription_items",
  { params: "SubscriptionItemListParams", returns: "ApiList<SubscriptionItem>" },
  (c, p) => {
    const subId = typeof p.subscription === "string" ? p.subscription : "";
    const sub = getSubscription(c, subId, "subscription");
    return paginate([...sub.items.data].reverse(), p, "/v1/subscription_items");
  },
);
route(
  "GET",
  "/subscription_items/:id",
  { params: "SubscriptionItemRetrieveParams", returns: "SubscriptionItem" },
  (c, _p, m) => {
    const itemId = at(m, 1);
    for (const sub of Object.values(c.s.subscriptions)) {
      const item = sub.items.data.find((i) => i.id === itemId);
      if (item) return item;
    }
    throw noSuch("subscription_item", itemId);
  },
);

route("GET", "/invoices", { params: "InvoiceListParams", returns: "ApiList<Invoice>" }, (c, p) =>
  invoices.listInvoices(c, p),
);
route("GET", "/invoices/:id", { params: "InvoiceRetrieveParams", returns: "Invoice" }, (c, _p, m) =>
  invoices.getInvoice(c, at(m, 1)),
);
route(
  "POST",
  "/invoices/:id/void",
  { params: "InvoiceVoidInvoiceParams", returns: "Invoice" },
  (c, _p, m) => invoices.voidInvoice(c, invoices.getInvoice(c, at(m, 1))),
);
route(
  "POST",
  "/invoices/:id/mark_uncollectible",
  { params: "InvoiceMarkUncollectibleParams", returns: "Invoice" },
  (c, _p, m) => invoices.markUncollectible(c, invoices.getInvoice(c, at(m, 1))),
);
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
    else invoices.attemptInvoicePayment(c, inv, pmId ?? null, null);
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
);

route(
  "POST",
  "/checkout/sessions",
  { params: "Checkout.SessionCreateParams", returns: "Checkout.Session" },
  (c, p) => checkout.createCheckoutSession(c, p),
);
route(
  "GET",
  "/checkout/sessions",
  { params: "Checkout.SessionListParams", returns: "ApiList<Checkout.Session>" },
  (c, p) => checkout.listCheckoutSessions(c, p),
);
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
);
route(
  "GET",
  "/checkout/sessions/:id/line_items",
  { params: "Checkout.SessionListLineItemsParams", returns: "ApiList<LineItem>" },
  (c, _p, m) => checkout.lineItems(c, checkout.getCheckoutSession(c, at(m, 1))),
);
route(
  "POST",
  "/checkout/sessions/:id/expire",
  { params: "Checkout.SessionExpireParams", returns: "Checkout.Session" },
  (c, _p, m) => checkout.expireCheckoutSession(c, at(m, 1)),
);

route(
  "POST",
  "/billing_portal/configurations",
  { params: "BillingPortal.ConfigurationCreateParams", returns: "BillingPortal.Configuration" },
  (c, p) => portal.createConfiguration(c, p),
);
route(
  "GET",
  "/billing_portal/configurations",
  {
    params: "BillingPortal.ConfigurationListParams",
    returns: "ApiList<BillingPortal.Configuration>",
  },
  (c, p) => portal.listConfigurations(c, p),
);
route(
  "GET",
  "/billing_portal/configurations/:id",
  { params: "BillingPortal.ConfigurationRetrieveParams", returns: "BillingPortal.Configuration" },
  (c, _p, m) => portal.getConfiguration(c, at(m, 1)),
);
route(
  "POST",
  "/billing_portal/configurations/:id",
  { params: "BillingPortal.ConfigurationUpdateParams", returns: "BillingPortal.Configuration" },
  (c, p, m) => portal.updateConfiguration(c, at(m, 1), p),
);
route(
  "POST",
  "/billing_portal/sessions",
  { params: "BillingPortal.SessionCreateParams", returns: "BillingPortal.Session" },
  (c, p) => portal.createPortalSession(c, p),
);

route(
  "POST",
  "/webhook_endpoints",
  { params: "WebhookEndpointCreateParams", returns: "WebhookEndpoint" },
  (c, p) => webhooks.createEndpoint(c, p),
);
route(
  "GET",
  "/webhook_endpoints",
  { params: "WebhookEndpointListParams", returns: "ApiList<WebhookEndpoint>" },
  (c, p) => webhooks.listEndpoints(c, p),
);
route(
  "GET",
  "/webhook_endpoints/:id",
  { params: "WebhookEndpointRetrieveParams", returns: "WebhookEndpoint" },
  (c, _p, m) => webhooks.publicEndpoint(webhooks.getEndpoint(c, at(m, 1))),
);
route(
  "POST",
  "/webhook_endpoints/:id",
  { params: "WebhookEndpointUpdateParams", returns: "WebhookEndpoint" },
  (c, p, m) => webhooks.updateEndpoint(c, at(m, 1), p),
);
route(
  "DELETE",
  "/webhook_endpoints/:id",
  { params: "WebhookEndpointDeleteParams", returns: "DeletedWebhookEndpoint" },
  (c, _p, m) => webhooks.deleteEndpoint(c, at(m, 1)),
);

route(
  "POST",
  "/test_helpers/test_clocks",
  { params: "TestHelpers.TestClockCreateParams", returns: "TestHelpers.TestClock" },
  (c, p) => testClocks.createTestClock(c, p),
);
route(
  "GET",
  "/test_helpers/test_clocks",
  { params: "TestHelpers.TestClockListParams", returns: "ApiList<TestHelpers.TestClock>" },
  (c, p) => testClocks.listTestClocks(c, p),
);
route(
  "GET",
  "/test_helpers/test_clocks/:id",
  { params: "TestHelpers.TestClockRetrieveParams", returns: "TestHelpers.TestClock" },
  (c, _p, m) => testClocks.retrieveTestClock(c, at(m, 1)),
);
route(
  "DELETE",
  "/test_helpers/test_clocks/:id",
  { params: "TestHelpers.TestClockDeleteParams", returns: "TestHelpers.DeletedTestClock" },
  (c, _p, m) => testClocks.deleteTestClock(c, at(m, 1)),
);
route(
  "POST",
  "/test_helpers/test_clocks/:id/advance",
  { params: "TestHelpers.TestClockAdvanceParams", returns: "TestHelpers.TestClock" },
  (c, p, m) => testClocks.advanceTestClock(c, at(m, 1), p),
);

route("GET", "/events", { params: "EventListParams", returns: "ApiList<Event>" }, (c, p) =>
  listEvents(c.s, p),
);
route("GET", "/events/:id", { params: "EventRetrieveParams", returns: "Event" }, (c, _p, m) =>
  getEvent(c.s, at(m, 1)),
);

/** Expand resolution by id prefix, within the request's mode only. */
function resolver(ctx: Ctx): (ref: string) => unknown {
  const s = ctx.s;
  return (ref) => {
    if (ref.startsWith("cus_"))
      return (
        s.customers[ref] ??
        (s.deletedCustomers[ref] ? { id: ref, object: "customer", deleted: true } : undefined)
      );
    if (ref.startsWith("pm_")) return s.paymentMethods[ref];
    if (ref.startsWith("pi_")) return s.paymentIntents[ref];
    if (ref.startsWith("in_")) return s.invoices[ref];
    // Before `sub_`: schedule ids start with `sub_sched_`.
    if (ref.startsWith("sub_sched_")) return s.subscriptionSchedules[ref];
    if (ref.startsWith("sub_")) return s.subscriptions[ref];
    if (ref.startsWith("prod_")) return s.products[ref];
    if (ref.startsWith("price_")) return s.prices[ref];
    if (ref.startsWith("cs_")) return s.checkoutSessions[ref];
    if (ref.startsWith("bpc_")) return s.portalConfigurations[ref];
    if (ref.startsWith("clock_")) return s.testClocks[ref];
    return s.products[ref] ?? s.prices[ref];
  };
}

/**
 * `currency_options` is an includable field: only present on prices when expanded
 * (`expand[]=currency_options`, `data.currency_options`, `items.data.price.currency_options`…).
 * The stored price objects never carry it, so responses are copies with it added.
 */
function includeCurrencyOptions(ctx: Ctx, value: unknown, paths: string[]): unknown {
  let out = value;
  for (const path of paths) {
    const segments = path.split(".").slice(0, -1);
    const walk = (v: unknown, rest: string[]): unknown => {
      if (Array.isArray(v)) return v.map((x) => walk(x, rest));
      if (typeof v !== "object" || v === null) return v;
      const record = v as Record<string, unknown>;
      const [head, ...tail] = rest;
      if (head === undefined) {
        const id = record.id;
        const price =
          typeof id === "string" && record.object === "price" ? ctx.s.prices[id] : undefined;
        return price ? { ...record, currency_options: prices.currencyOptionsOf(ctx, price) } : v;
      }
      return head in record ? { ...record, [head]: walk(record[head], tail) } : v;
    };
    out = walk(out, segments);
  }
  return out;
}

const KEY_RE = /^(?:sk|rk)_(test|live)_[A-Za-z0-9_]+$/;

/** Stripe accepts Bearer and Basic (key as username). Returns the key's mode or null. */
function modeFromAuth(header: string | undefined): Mode | null {
  if (!header) return null;
  let key: string | undefined;
  if (header.startsWith("Bearer ")) key = header.slice(7).trim();
  else if (header.startsWith("Basic ")) {
    key = Buffer.from(header.slice(6), "base64").toString("utf8").split(":")[0];
  }
  const m = key ? KEY_RE.exec(key) : null;
  return m ? (m[1] === "live" ? "live" : "test") : null;
}

const idOf = (v: string | { id: string } | null | undefined): string | null =>
  typeof v === "string" ? v : (v?.id ?? null);

/**
 * The customer a request is about, for request accounting: `/v1/customers/cus_…[/…]`, else a
 * `customer` param, else the customer of the subscription / schedule / payment method / invoice in the
 * path (looked up in the request's mode before handling).
 */
function customerOf(
  core: EmulatorCore,
  mode: Mode | null,
  path: string,
  params: Params,
): string | null {
  const inPath = /^\/v1\/customers\/(cus_[^/]+)(?:\/|$)/.exec(path);
  if (inPath?.[1]) return decodeURIComponent(inPath[1]);
  if (typeof params.customer === "string" && params.customer) return params.customer;
  const owned =
    /^\/v1\/(subscriptions|subscription_schedules|payment_methods|invoices)\/([^/]+)(?:\/|$)/.exec(
      path,
    );
  if (!mode || !owned?.[2]) return null;
  const s = core.state.modes[mode];
  const objectId = decodeURIComponent(owned[2]);
  if (owned[1] === "subscriptions") return idOf(s.subscriptions[objectId]?.customer);
  if (owned[1] === "subscription_schedules")
    return idOf(s.subscriptionSchedules[objectId]?.customer ?? null);
  if (owned[1] === "payment_methods") return idOf(s.paymentMethods[objectId]?.customer);
  return idOf(s.invoices[objectId]?.customer);
}

async function handleApi(
  core: EmulatorCore,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
): Promise<void> {
  const method = req.method ?? "GET";
  const raw = method === "POST" ? await readBody(req) : url.search.slice(1);
  // API faults: delayMs, then stall. False: the emulator stopped meanwhile, nobody to answer.
  if (!(await core.apiFaults.enter())) return;
  const base: Record<string, string> = {
    "request-id": requestId,
    "stripe-version": String(req.headers["stripe-version"] ?? Stripe.API_VERSION),
  };
  const reply = (status: number, body: unknown, headers: Record<string, string>): void => {
    core.requests.answered(status);
    sendJson(res, status, body, headers);
  };
  const auth = req.headers.authorization;
  const mode = modeFromAuth(auth);
  const params = parseForm(raw);
  const r = routes.find((x) => x.method === method && x.re.test(url.pathname));
  core.requests.count(
    r?.pattern ?? `${method} ${url.pathname} (unrecognized)`,
    customerOf(core, mode, url.pathname, params),
  );
  if (!mode) {
    const message = auth
      ? `Invalid API Key provided: ${auth.replace(/^(Bearer|Basic)\s+/, "").slice(0, 8)}****`
      : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
    const err = new ApiError(
      401,
      "invalid_request_error",
      message,
      auth ? "api_key_invalid" : undefined,
    );
    reply(401, err.toJSON(requestId), base);
    return;
  }
  const idemKey =
    typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : null;
  const limited = core.apiFaults.admit(mode);
  if (limited) {
    // Before the idempotency lookup and never stored: a retry with the same key runs for real.
    core.opts.log(`${method} ${url.pathname} 429 rate limited (${mode}) ${requestId}`);
    reply(
      429,
      JSON.stringify(limited.toJSON(requestId), null, 2),
      idemKey ? { ...base, "idempotency-key": idemKey } : base,
    );
    return;
  }
  if (idemKey && method === "POST") {
    const fp = IdempotencyStore.fingerprint(method, url.pathname, raw);
    const prior = core.idempotency.get(mode, idemKey);
    if (prior) {
      if (prior.fingerprint !== fp) {
        const err = new ApiError(
          400,
          "idempotency_error",
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
        );
        reply(400, err.toJSON(requestId), { ...base, "idempotency-key": idemKey });
        return;
      }
      reply(prior.status, prior.body, {
        ...base,
        "idempotency-key": idemKey,
        "idempotent-replayed": "true",
      });
      return;
    }
  }
  let status = 200;
  let body: string;
  const ctx = core.ctx(mode, { id: requestId, idempotency_key: idemKey });
  try {
    if (!r) {
      const anyMethod = routes.some((x) => x.re.test(url.pathname));
      throw new ApiError(
        404,
        "invalid_request_error",
        anyMethod
          ? `Unrecognized request URL (${method}: ${url.pathname}). The local Stripe emulator does not support this method.`
          : `Unrecognized request URL (${method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      );
    }
    const m = r.re.exec(url.pathname) ?? [];
    // Shape first, like Stripe: unknown keys, types and closed enums from the SDK's params type.
    const refused = checkParams(r.params, params);
    if (refused) throw refused;
    const requested = strArr(params, "expand") ?? [];
    const tooDeep = expandTooDeep(requested);
    if (tooDeep) throw tooDeep;
    const result = r.handler(ctx, params, [...m]);
    const includes = requested.filter(
      (e) => e === "currency_options" || e.endsWith(".currency_options"),
    );
    const expand = requested.filter(
      (e) => e !== "line_items" && e !== "subscriptions" && !includes.includes(e),
    );
    const expanded = applyExpand(withInvoicePayments(ctx, result, expand), expand, resolver(ctx));
    body = JSON.stringify(includeCurrencyOptions(ctx, expanded, includes), null, 2);
    core.changed();
  } catch (e) {
    const err =
      e instanceof ApiError
        ? e
        : new ApiError(500, "api_error", e instanceof Error ? e.message : "Internal error");
    if (!(e instanceof ApiError)) core.opts.log(`error ${method} ${url.pathname}: ${String(e)}`);
    status = err.status;
    body = JSON.stringify(err.toJSON(requestId), null, 2);
  }
  if (idemKey && method === "POST" && status !== 500 && status !== 429) {
    core.idempotency.set(mode, idemKey, {
      fingerprint: IdempotencyStore.fingerprint(method, url.pathname, raw),
      status,
      body,
      created: Date.now(),
    });
  }
  core.opts.log(`${method} ${url.pathname} ${status} (${mode}) ${requestId}`);
  reply(status, body, idemKey ? { ...base, "idempotency-key": idemKey } : base);
}

export async function startStripeEmulator(
  options: StripeEmulatorOptions = {},
): Promise<RunningStripeEmulator> {
  const allowed = options.allowProduction || process.env.STRIPE_EMULATOR_ALLOW_PRODUCTION === "1";
  if (process.env.NODE_ENV === "production" && !allowed) {
    // A fake payment provider must never serve a real deployment by accident.
    throw new Error(
      "refusing to start with NODE_ENV=production (set STRIPE_EMULATOR_ALLOW_PRODUCTION=1 for tests)",
    );
  }
  const log = options.log ?? (() => undefined);
  const core = new EmulatorCore({
    stateFile: options.stateFile,
    forward: options.forward,
    log,
    retryDelaysMs: options.retryDelaysMs ?? [500, 1000, 2000, 4000],
    delivery: options.delivery,
    accountApiVersion: options.accountApiVersion ?? DEFAULT_ACCOUNT_API_VERSION,
    timeoutMs: options.webhookTimeoutMs ?? 10_000,
    dunning: startDunning(options.dunning),
    testClockAdvanceMs: options.testClockAdvanceMs ?? 500,
  });
  // A state file saved while a test clock was advancing: that advance completes now.
  testClocks.finishInterruptedAdvances(core.ctx("test", { id: null, idempotency_key: null }));
  const server = createServer((req, res) => {
    const requestId = `req_${randomToken(14)}`;
    res.setHeader("request-id", requestId);
    const url = new URL(req.url ?? "/", core.baseUrl);
    const path = url.pathname;
    const run = async (): Promise<void> => {
      if (path.startsWith("/v1/")) {
        core.requests.begin();
        try {
          return await handleApi(core, req, res, url, requestId);
        } finally {
          core.requests.end();
        }
      }
      if (path.startsWith("/_emulator/")) return handleControl(core, req, res, url);
      if (path.startsWith("/p/")) return handlePortalPage(core, req, res, url);
      if (path.startsWith("/c/")) return handleCheckoutPage(core, req, res, url);
      if (path.startsWith("/i/")) return handleInvoicePage(core, req, res, url);
      if (path === "/" || path === "/health") {
        return sendJson(res, 200, {
          ok: true,
          emulator: "stripe",
          api_version: Stripe.API_VERSION,
        });
      }
      sendJson(res, 404, noSuch("route", path).toJSON(requestId));
    };
    run().catch((e: unknown) => {
      log(
        `error ${req.method} ${path}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
      if (!res.headersSent)
        sendJson(res, 500, new ApiError(500, "api_error", "Emulator error").toJSON(requestId));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  core.baseUrl = `http://localhost:${port}`;
  log(`Stripe emulator listening on ${core.baseUrl}`);
  log(describeDeliveryMode(core.deliverer.getMode()));
  return {
    url: core.baseUrl,
    port,
    async stop() {
      core.deliverer.stop();
      core.apiFaults.stop(); // stalled/delayed API requests end unanswered
      core.persistence.writeNow();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
