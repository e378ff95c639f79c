/**
 * Checkout Sessions (mode=subscription): create, retrieve, list, expire and line items. The
 * hosted page completes them through complete.ts.
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { diff } from "../../engine/request-context";
import { badRequest, invalid, missing, noSuch } from "../../http/errors";
import { paginate } from "../../http/list";
import {
  allowOnly,
  applyMetadata,
  bool,
  int,
  obj,
  objArr,
  oneOf,
  reqStr,
  str,
  type Params,
} from "../../http/params";
import { newestFirst, randomToken } from "../../engine/store";
import { DAY_SECONDS } from "../../engine/clock";
import { getCustomer } from "../customers";
import { atCustomerTime } from "../test-clocks";
import { parseCurrency } from "../currency";
import { getPrice, priceSupports, unitAmountIn } from "../prices";
import { discountRefsParam, resolveDiscountRefs } from "../discounts";
import { missingPaymentMethodParam } from "../subscriptions/create-api";
import {
  adjustableParam,
  checkDiscountChoice,
  lineItems as sessionLineItems,
  priceSession,
} from "./options";

/** Line items are not part of the session object unless expanded; we keep them here. */
export interface CheckoutLine {
  price: string;
  quantity: number;
}

export function checkoutSessionFactory(
  ctx: Ctx,
  f: {
    customer: string | null;
    customerEmail: string | null;
    successUrl: string | null;
    cancelUrl: string | null;
    clientReferenceId: string | null;
    currency: string;
    amountTotal: number;
    metadata: Record<string, string>;
    /** Default `hosted_page`: `hosted` / `embedded` were renamed in 2026-03-25.dahlia. */
    uiMode?: "hosted_page" | "embedded_page" | "elements" | "form";
  },
): Stripe.Checkout.Session {
  const id = `cs_${ctx.mode}_${randomToken(58)}`;
  return {
    id,
    object: "checkout.session",
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: f.amountTotal,
    amount_total: f.amountTotal,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: f.cancelUrl,
    client_reference_id: f.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: ctx.now,
    currency: f.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: null,
      terms_of_service_acceptance: null,
    },
    customer: f.customer,
    customer_account: null,
    customer_creation: f.customer ? null : "always",
    customer_details: null,
    customer_email: f.customerEmail,
    discounts: [],
    expires_at: ctx.now + DAY_SECONDS,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: ctx.mode === "live",
    locale: null,
    managed_payments: null,
    metadata: f.metadata,
    mode: "subscription",
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: "always",
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ["card"],
    payment_status: "unpaid",
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "open",
    submit_type: null,
    subscription: null,
    success_url: f.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: f.uiMode ?? "hosted_page",
    url: `${ctx.baseUrl}/c/pay/${id}`,
    wallet_options: null,
  };
}

export function getCheckoutSession(ctx: Ctx, id: string): Stripe.Checkout.Session {
  const s = ctx.s.checkoutSessions[id];
  if (!s) throw noSuch("checkout.session", id);
  return s;
}

/** Line items and trial days are not on the session object; they live next to it in state. */
export function checkoutInternal(ctx: Ctx, session: Stripe.Checkout.Session) {
  const raw = ctx.s.checkoutInternal[session.id];
  if (!raw) throw badRequest("Unknown checkout session state.");
  return raw;
}

export function createCheckoutSession(ctx: Ctx, p: Params): Stripe.Checkout.Session {
  allowOnly(p, [
    "mode",
    "customer",
    "customer_email",
    "line_items",
    "success_url",
    "cancel_url",
    "subscription_data",
    "client_reference_id",
    "metadata",
    "allow_promotion_codes",
    "billing_address_collection",
    "payment_method_types",
    "ui_mode",
    "customer_update",
    "locale",
    "currency",
    "discounts",
    "payment_method_collection",
  ]);
  checkDiscountChoice(p);
  const mode = oneOf(p, "mode", ["subscription", "payment", "setup"] as const);
  if (!mode) throw missing("mode");
  if (mode !== "subscription") {
    throw invalid("mode", "The local Stripe emulator only supports mode=subscription.");
  }
  const customer = str(p, "customer") || null;
  if (customer) getCustomer(ctx, customer, "customer");
  // A customer on a test clock: the session is created (and expires) on the clock's time.
  atCustomerTime(ctx, customer);
  const items = objArr(p, "line_items");
  if (!items || items.length === 0) throw missing("line_items");
  const lines = items.map((it, i) => {
    const price = getPrice(
      ctx,
      reqStr(it, "price", `line_items[${i}][price]`),
      `line_items[${i}][price]`,
    );
    if (!price.recurring) {
      throw invalid(
        `line_items[${i}][price]`,
        "You must provide at least one recurring price in `subscription` mode when using prices.",
      );
    }
    return { price: price.id, quantity: int(it, "quantity", `line_items[${i}][quantity]`) ?? 1 };
  });
  const adjustable = items.map((it, i) => adjustableParam(it, i, lines[i]?.quantity ?? 1));
  const successUrl = str(p, "success_url") || null;
  // The SDK's closed set (server.ts validates it); only the hosted page needs a success_url.
  const uiMode = oneOf(p, "ui_mode", ["hosted_page", "embedded_page", "elements", "form"] as const);
  if (!successUrl && (uiMode ?? "hosted_page") === "hosted_page") throw missing("success_url");
  // The session's currency: `currency` (one of the prices' currency_options, or their own), else
  // the first price's. Every line must be billable in it, like Stripe.
  const firstPrice = ctx.s.prices[lines[0]?.price ?? ""];
  const currency =
    p.currency !== undefined
      ? parseCurrency(reqStr(p, "currency"), "currency")
      : (firstPrice?.currency ?? "usd");
  for (const [i, l] of lines.entries()) {
    const price = getPrice(ctx, l.price, `line_items[${i}][price]`);
    if (!priceSupports(ctx, price, currency)) {
      throw invalid(
        p.currency !== undefined ? "currency" : `line_items[${i}][price]`,
        p.currency !== undefined
          ? `The price \`${price.id}\` has no currency option for \`${currency}\`; line items must all be available in the session's currency.`
          : `All line items must have the same currency: \`${price.id}\` is in \`${price.currency}\`, the session is in \`${currency}\`.`,
      );
    }
  }
  const sd = obj(p, "subscription_data");
  const trialDays = sd
    ? (int(sd, "trial_period_days", "subscription_data[trial_period_days]") ?? null)
    : null;
  const amount = lines.reduce(
    (a, l) => a + unitAmountIn(ctx, getPrice(ctx, l.price), currency) * l.quantity,
    0,
  );
  const refs = discountRefsParam(p);
  // Checked now (unknown or spent ones refused), redeemed when the session completes.
  if (refs) resolveDiscountRefs(ctx, refs, { customer, amount, currency });
  const collection = oneOf(p, "payment_method_collection", ["always", "if_required"] as const);
  const session = checkoutSessionFactory(ctx, {
    customer,
    customerEmail: str(p, "customer_email") || null,
    successUrl,
    cancelUrl: str(p, "cancel_url") || null,
    clientReferenceId: str(p, "client_reference_id") || null,
    currency,
    amountTotal: trialDays ? 0 : amount,
    metadata: applyMetadata({}, p),
    uiMode,
  });
  session.allow_promotion_codes = bool(p, "allow_promotion_codes") ?? null;
  session.payment_method_collection = collection ?? "always";
  const internal = {
    lines,
    currency,
    trialDays,
    subscriptionMetadata: sd ? applyMetadata({}, sd) : {},
    missingPaymentMethod: sd
      ? missingPaymentMethodParam(sd, "subscription_data[trial_settings]")
      : undefined,
    adjustable,
    discounts: refs ?? [],
  };
  ctx.s.checkoutSessions[session.id] = session;
  ctx.s.checkoutInternal[session.id] = internal;
  priceSession(ctx, session, internal);
  return session;
}

export function expireCheckoutSession(ctx: Ctx, id: string): Stripe.Checkout.Session {
  const session = getCheckoutSession(ctx, id);
  if (session.status !== "open") {
    throw badRequest(`Only Checkout Sessions with a status in ["open"] can be expired.`);
  }
  const before = structuredClone(session);
  session.status = "expired";
  session.url = null;
  ctx.emit("checkout.session.expired", structuredClone(session), diff(before, session));
  return session;
}

export function listCheckoutSessions(ctx: Ctx, p: Params): Stripe.ApiList<Stripe.Checkout.Session> {
  const customer = str(p, "customer");
  const subscription = str(p, "subscription");
  const status = str(p, "status");
  const all = newestFirst(ctx.s.checkoutSessions).filter(
    (s) =>
      (!customer || s.customer === customer) &&
      (!subscription || s.subscription === subscription) &&
      (!status || s.status === status),
  );
  return paginate(all, p, "/v1/checkout/sessions");
}

export function lineItems(
  ctx: Ctx,
  session: Stripe.Checkout.Session,
): Stripe.ApiList<Stripe.LineItem> {
  return sessionLineItems(ctx, session, checkoutInternal(ctx, session));
}
