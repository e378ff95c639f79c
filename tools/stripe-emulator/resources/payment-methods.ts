/** Card payment methods with Stripe's documented test numbers and `pm_card_*` ids. */
import type Stripe from "stripe";
import type { Ctx } from "../engine/request-context";
import { diff } from "../engine/request-context";
import { badRequest, cardDeclined, invalid, missing, noSuch } from "../http/errors";
import { paginate } from "../http/list";
import { allowOnly, applyMetadata, obj, oneOf, reqStr, str, type Params } from "../http/params";
import { newId, newestFirst, randomToken } from "../engine/store";
import { getCustomer } from "./customers";

export interface TestCard {
  number: string;
  brand: "visa" | "mastercard" | "amex";
  /**
   * `attach`: declined when attached; `charge`: attaches fine, every charge fails;
   * `authenticate`: every charge needs the customer's 3-D Secure authentication first.
   */
  fails: "never" | "attach" | "charge" | "authenticate";
  declineCode: string;
}

export const TEST_CARDS: TestCard[] = [
  { number: "4242424242424242", brand: "visa", fails: "never", declineCode: "" },
  { number: "5555555555554444", brand: "mastercard", fails: "never", declineCode: "" },
  { number: "378282246310005", brand: "amex", fails: "never", declineCode: "" },
  { number: "4000000000000002", brand: "visa", fails: "attach", declineCode: "generic_decline" },
  { number: "4000000000009995", brand: "visa", fails: "attach", declineCode: "insufficient_funds" },
  { number: "4000000000000341", brand: "visa", fails: "charge", declineCode: "generic_decline" },
  // Stripe's "always authenticate" card and its 3DS2 card: on and off session alike.
  {
    number: "4000002760003184",
    brand: "visa",
    fails: "authenticate",
    declineCode: "authentication_required",
  },
  {
    number: "4000000000003220",
    brand: "visa",
    fails: "authenticate",
    declineCode: "authentication_required",
  },
];

/** Stripe's shortcut ids and tokens for the cards above. */
const ALIASES: Record<string, string> = {
  pm_card_visa: "4242424242424242",
  tok_visa: "4242424242424242",
  pm_card_mastercard: "5555555555554444",
  tok_mastercard: "5555555555554444",
  pm_card_amex: "378282246310005",
  tok_amex: "378282246310005",
  pm_card_chargeDeclined: "4000000000000002",
  tok_chargeDeclined: "4000000000000002",
  pm_card_chargeDeclinedInsufficientFunds: "4000000000009995",
  tok_chargeDeclinedInsufficientFunds: "4000000000009995",
  pm_card_chargeCustomerFail: "4000000000000341",
  tok_chargeCustomerFail: "4000000000000341",
  pm_card_authenticationRequired: "4000002760003184",
  tok_authenticationRequired: "4000002760003184",
  pm_card_threeDSecure2Required: "4000000000003220",
  tok_threeDSecure2Required: "4000000000003220",
};

export function findTestCard(number: string): TestCard | undefined {
  const digits = number.replace(/[\s-]/g, "");
  return TEST_CARDS.find((c) => c.number === digits);
}

export function cardOf(pm: Stripe.PaymentMethod): TestCard | undefined {
  return TEST_CARDS.find(
    (c) => c.number.endsWith(pm.card?.last4 ?? "-") && c.brand === pm.card?.brand,
  );
}

export function paymentMethodFactory(
  ctx: Ctx,
  card: TestCard,
  billing: { email?: string | null; name?: string | null } = {},
  exp?: { month: number; year: number },
): Stripe.PaymentMethod {
  const year = new Date(ctx.now * 1000).getUTCFullYear();
  return {
    id: newId("pm"),
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: {
      address: {
        city: null,
        country: null,
        line1: null,
        line2: null,
        postal_code: null,
        state: null,
      },
      email: billing.email ?? null,
      name: billing.name ?? null,
      phone: null,
      tax_id: null,
    },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: "US",
      display_brand: card.brand,
      exp_month: exp?.month ?? 12,
      exp_year: exp?.year ?? year + 3,
      fingerprint: card.number.slice(-8) + randomToken(8),
      funding: "credit",
      generated_from: null,
      last4: card.number.slice(-4),
      networks: { available: [card.brand], preferred: null },
      regulated_status: "unregulated",
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: ctx.now,
    customer: null,
    customer_account: null,
    livemode: ctx.mode === "live",
    metadata: {},
    type: "card",
  };
}

export function getPaymentMethod(ctx: Ctx, id: string, param = "id"): Stripe.PaymentMethod {
  const alias = ALIASES[id];
  if (alias && ctx.mode === "test") {
    // `pm_card_visa` etc. resolve to a fresh object each time, as in Stripe test mode.
    const card = findTestCard(alias);
    if (card) {
      const pm = paymentMethodFactory(ctx, card);
      pm.id = id;
      return pm;
    }
  }
  const pm = ctx.s.paymentMethods[id];
  if (!pm) throw noSuch("PaymentMethod", id, param);
  return pm;
}

export function createPaymentMethod(ctx: Ctx, p: Params): Stripe.PaymentMethod {
  allowOnly(p, ["type", "card", "billing_details", "metadata"]);
  oneOf(p, "type", ["card"] as const);
  const card = obj(p, "card");
  if (!card) throw missing("card");
  const source = str(card, "token", "card[token]") ?? str(card, "number", "card[number]");
  if (!source) throw missing("card[number]");
  const test = findTestCard(ALIASES[source] ?? source);
  if (!test) throw invalid("card[number]", "Your card number is incorrect.");
  const billing = obj(p, "billing_details");
  const pm = paymentMethodFactory(ctx, test, {
    email: billing ? str(billing, "email") : null,
    name: billing ? str(billing, "name") : null,
  });
  pm.metadata = applyMetadata({}, p);
  ctx.s.paymentMethods[pm.id] = pm;
  return pm;
}

/**
 * Attach, shared by API, portal and checkout. `pm_card_*` ids are cloned into a new `pm_...`.
 * Cards that decline at attach throw a 402 card_error and nothing is stored.
 */
export function attachPaymentMethod(
  ctx: Ctx,
  pmId: string,
  customerId: string,
  opts: { deferEvent?: boolean } = {},
): Stripe.PaymentMethod {
  getCustomer(ctx, customerId, "customer");
  let pm = getPaymentMethod(ctx, pmId);
  const card = cardOf(pm);
  if (card?.fails === "attach") throw cardDeclined(card.declineCode);
  if (ALIASES[pmId]) {
    pm = { ...pm, id: newId("pm") };
  }
  if (pm.customer && pm.customer !== customerId) {
    throw badRequest(
      "The payment method you provided has already been attached to a customer.",
      "payment_method",
    );
  }
  if (pm.customer === customerId) return pm;
  pm.customer = customerId;
  ctx.s.paymentMethods[pm.id] = pm;
  // deferEvent: the caller emits payment_method.attached itself, after its own event.
  if (!opts.deferEvent) ctx.emit("payment_method.attached", structuredClone(pm));
  return pm;
}

export function detachPaymentMethod(ctx: Ctx, pmId: string): Stripe.PaymentMethod {
  const pm = getPaymentMethod(ctx, pmId);
  const customerId = typeof pm.customer === "string" ? pm.customer : null;
  if (!customerId) {
    throw badRequest(
      "The payment method you provided is not attached to a customer so detachment is impossible.",
    );
  }
  const customer = ctx.s.customers[customerId];
  if (customer?.invoice_settings.default_payment_method === pm.id) {
    const before = structuredClone(customer);
    customer.invoice_settings.default_payment_method = null;
    ctx.emit("customer.updated", structuredClone(customer), diff(before, customer));
  }
  for (const sub of Object.values(ctx.s.subscriptions)) {
    if (sub.default_payment_method === pm.id) {
      const before = structuredClone(sub);
      sub.default_payment_method = null;
      ctx.emit("customer.subscription.updated", structuredClone(sub), diff(before, sub));
    }
  }
  const before = structuredClone(pm);
  pm.customer = null;
  ctx.emit("payment_method.detached", structuredClone(pm), diff(before, pm));
  return pm;
}

export function updatePaymentMethod(ctx: Ctx, id: string, p: Params): Stripe.PaymentMethod {
  allowOnly(p, ["metadata", "billing_details", "card"]);
  const pm = getPaymentMethod(ctx, id);
  const before = structuredClone(pm);
  pm.metadata = applyMetadata(pm.metadata, p);
  const billing = obj(p, "billing_details");
  if (billing) {
    const name = str(billing, "name");
    if (name !== undefined) pm.billing_details.name = name || null;
    const email = str(billing, "email");
    if (email !== undefined) pm.billing_details.email = email || null;
  }
  const changes = diff(before, pm);
  if (Object.keys(changes).length) ctx.emit("payment_method.updated", structuredClone(pm), changes);
  return pm;
}

export function listPaymentMethods(
  ctx: Ctx,
  p: Params,
  customerId?: string,
): Stripe.ApiList<Stripe.PaymentMethod> {
  const customer = customerId ?? reqStr(p, "customer");
  getCustomer(ctx, customer, "customer");
  const type = str(p, "type");
  const all = newestFirst(ctx.s.paymentMethods).filter(
    (pm) => pm.customer === customer && (!type || pm.type === type),
  );
  return paginate(
    all,
    p,
    customerId ? `/v1/customers/${customerId}/payment_methods` : "/v1/payment_methods",
  );
}
