/**
 * Completing a Checkout Session from the hosted page: the card is checked before anything is
 * created, then the customer, its card and the subscription, then `checkout.session.completed`.
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { ApiError, badRequest, cardDeclined } from "../../http/errors";
import { DAY_SECONDS } from "../../engine/clock";
import { customerFactory, getCustomer } from "../customers";
import { atCustomerTime } from "../test-clocks";
import { AUTHENTICATION_FAILED } from "../invoices/authentication";
import { attachPaymentMethod, findTestCard, paymentMethodFactory } from "../payment-methods";
import { createSubscriptionFrom } from "../subscriptions/create";
import { checkoutInternal } from "./sessions";
import { collectsNoCard } from "./options";
import { resolveDiscountRefs } from "../discounts";
import { idOf } from "../../http/expand";

/**
 * The hosted page's "Subscribe" button. Throws ApiError (card_error) when the card declines, in
 * which case nothing is created. Otherwise emits Stripe's checkout sequence.
 */
export function completeCheckout(
  ctx: Ctx,
  session: Stripe.Checkout.Session,
  form: {
    /** null: no card collected (`payment_method_collection=if_required` with nothing due). */
    cardNumber: string | null;
    email: string;
    name: string;
    expMonth?: number;
    expYear?: number;
    /** The page's 3-D Secure step was completed (cards that always ask for it). */
    authenticated?: boolean;
  },
): Stripe.Checkout.Session {
  if (session.status !== "open") throw badRequest("This Checkout Session is no longer active.");
  const internal = checkoutInternal(ctx, session);
  // Quantities and promotion code were applied to the session by the page (pages/checkout.ts).
  const currency = internal.currency ?? session.currency ?? "usd";
  const discounts = resolveDiscountRefs(ctx, internal.discounts ?? [], {
    customer: idOf(session.customer),
    amount: session.amount_subtotal ?? 0,
    currency,
  });
  if (form.cardNumber === null && !collectsNoCard(session))
    throw new ApiError(402, "card_error", "Your card number is incomplete.", "incomplete_number");
  const card = form.cardNumber === null ? null : findTestCard(form.cardNumber);
  if (form.cardNumber !== null && !card)
    throw new ApiError(402, "card_error", "Your card number is incorrect.", "incorrect_number");
  if (card?.fails === "attach") throw cardDeclined(card.declineCode);
  if (card?.fails === "authenticate" && !form.authenticated) {
    throw new ApiError(
      402,
      "card_error",
      AUTHENTICATION_FAILED,
      "payment_intent_authentication_failure",
    );
  }
  const amount = session.amount_total ?? 0;
  // Check the charge before creating anything: a decline in Checkout leaves no objects behind.
  if (amount > 0 && card?.fails === "charge") {
    throw cardDeclined(card.declineCode);
  }
  let customerId = typeof session.customer === "string" ? session.customer : null;
  const email = form.email || session.customer_email || null;
  if (!customerId) {
    const c = customerFactory(ctx, { email, name: form.name || null });
    ctx.s.customers[c.id] = c;
    ctx.emit("customer.created", structuredClone(c));
    customerId = c.id;
  }
  const customer = getCustomer(ctx, customerId);
  atCustomerTime(ctx, customer.id);
  let pmId: string | null = null;
  if (card) {
    const pm = paymentMethodFactory(
      ctx,
      card,
      { email, name: form.name || null },
      form.expMonth && form.expYear ? { month: form.expMonth, year: form.expYear } : undefined,
    );
    ctx.s.paymentMethods[pm.id] = pm;
    attachPaymentMethod(ctx, pm.id, customer.id);
    pmId = pm.id;
  }
  const sub = createSubscriptionFrom(ctx, {
    customer: customer.id,
    items: internal.lines,
    trialEnd: internal.trialDays ? ctx.now + internal.trialDays * DAY_SECONDS : null,
    defaultPaymentMethod: pmId,
    discounts,
    checkoutSession: session.id,
    missingPaymentMethod: internal.missingPaymentMethod,
    paymentBehavior: "allow_incomplete",
    metadata: internal.subscriptionMetadata,
    currency: internal.currency ?? session.currency ?? undefined,
    activateAfterPayment: true,
    authenticated: form.authenticated,
  });
  session.status = "complete";
  session.payment_status = amount === 0 ? "no_payment_required" : "paid";
  session.customer = customer.id;
  session.subscription = sub.id;
  session.invoice = typeof sub.latest_invoice === "string" ? sub.latest_invoice : null;
  session.url = null;
  session.customer_details = {
    address: null,
    business_name: null,
    email,
    individual_name: null,
    name: form.name || null,
    phone: null,
    tax_exempt: "none",
    tax_ids: [],
  };
  ctx.emit("checkout.session.completed", structuredClone(session));
  return session;
}
