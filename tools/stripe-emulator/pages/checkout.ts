/** Hosted Checkout page: `/c/pay/<session id>`. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type Stripe from "stripe";
import type { EmulatorCore } from "../engine/emulator-core";
import type { Ctx } from "../engine/request-context";
import { ApiError } from "../http/errors";
import { redirect, sendHtml } from "../http/respond";
import { checkoutInternal } from "../resources/checkout/sessions";
import { completeCheckout } from "../resources/checkout/complete";
import { AUTHENTICATION_FAILED } from "../resources/invoices/authentication";
import { findTestCard } from "../resources/payment-methods";
import { atCustomerTime } from "../resources/test-clocks";
import { formatAmount } from "../resources/currency";
import { priceSupports, unitAmountIn } from "../resources/prices";
import { cardFields, esc, layout, messagePage, parseExpiry } from "./layout";
import { findInModes, readForm, type Form } from "./request";
import { collectsNoCard, priceSession, quantityRange } from "../resources/checkout/options";
import { findActiveCode, whyNotRedeemable } from "../resources/promotion-codes";
import { idOf } from "../http/expand";

function summary(ctx: Ctx, session: Stripe.Checkout.Session): string {
  const internal = checkoutInternal(ctx, session);
  const currency = internal.currency ?? session.currency ?? "usd";
  const rows = internal.lines
    .map((l) => {
      const price = ctx.s.prices[l.price];
      if (!price) return "";
      const product = ctx.s.products[idOf(price.product)];
      const every = price.recurring
        ? `${price.recurring.interval_count > 1 ? `every ${price.recurring.interval_count} ${price.recurring.interval}s` : `per ${price.recurring.interval}`}`
        : "";
      const unit = priceSupports(ctx, price, currency) ? unitAmountIn(ctx, price, currency) : 0;
      return `<div class="row"><div><strong>${esc(product?.name ?? price.id)}</strong>${price.nickname ? ` <span class="muted">${esc(price.nickname)}</span>` : ""}<div class="muted">Qty ${l.quantity} × ${esc(formatAmount(unit, currency))}</div></div><div>${esc(formatAmount(unit * l.quantity, currency))} ${esc(every)}</div></div>`;
    })
    .join("");
  const trial = internal.trialDays
    ? `<p class="notice">${internal.trialDays}-day free trial — you won't be charged today.</p>`
    : "";
  const off = session.total_details?.amount_discount ?? 0;
  const names = (session.discounts ?? []).map((d) => {
    const pc = d.promotion_code ? ctx.s.promotionCodes[idOf(d.promotion_code)] : undefined;
    const coupon = d.coupon ? ctx.s.coupons[idOf(d.coupon)] : undefined;
    return pc?.code ?? coupon?.name ?? coupon?.id ?? "";
  });
  const discount = names.length
    ? `<div class="row" data-testid="discount"><span>Discount (${esc(names.join(", "))})</span><span>−${esc(formatAmount(off, currency))}</span></div>`
    : "";
  return `${trial}${rows}${discount}<div class="row"><strong>Due today</strong><strong>${esc(formatAmount(session.amount_total ?? 0, currency))}</strong></div>`;
}

/** Form field name of line `i`'s quantity: `quantity` for the first line, `quantity_<i>` after. */
export function quantityField(i: number): string {
  return i === 0 ? "quantity" : `quantity_${i}`;
}

/** Quantity fields (adjustable lines) and the promotion code field (allow_promotion_codes). */
function optionFields(ctx: Ctx, session: Stripe.Checkout.Session, form?: Form): string {
  const internal = checkoutInternal(ctx, session);
  const quantities = internal.lines
    .map((l, i) => {
      const range = quantityRange(internal, i);
      if (!range) return "";
      const price = ctx.s.prices[l.price];
      const product = price ? ctx.s.products[idOf(price.product)] : undefined;
      const name = quantityField(i);
      const label =
        internal.lines.length > 1 ? `Quantity (${product?.name ?? l.price})` : "Quantity";
      return `<label for="${name}">${esc(label)}</label><input id="${name}" type="number" name="${name}" min="${range.min}" max="${range.max}" step="1" required value="${esc(form?.[name] ?? String(l.quantity))}">`;
    })
    .join("");
  const code = session.allow_promotion_codes
    ? `<label for="promotion_code">Promotion code</label><input id="promotion_code" type="text" name="promotion_code" autocomplete="off" value="${esc(form?.promotion_code ?? "")}">`
    : "";
  return quantities + code;
}

function page(ctx: Ctx, session: Stripe.Checkout.Session, error?: string, form?: Form): string {
  const email =
    form?.email ??
    session.customer_email ??
    (typeof session.customer === "string" ? ctx.s.customers[session.customer]?.email : null) ??
    "";
  const cancel = session.cancel_url ? { href: session.cancel_url, label: "Back" } : undefined;
  const noCard = collectsNoCard(session);
  // No card fields at all when nothing is due and the session collects a card only if required.
  const fields = noCard
    ? `<label for="email">Email</label><input id="email" type="email" name="email" required value="${esc(email)}"><label for="name">Name</label><input id="name" type="text" name="name" value="${esc(form?.name ?? "")}"><p class="muted" data-testid="no-card">No card needed today.</p>`
    : cardFields({ email, name: form?.name ?? "" }, true);
  const body = `<div class="card"><h2>Subscribe</h2>${summary(ctx, session)}</div>
<div class="card"><h2>${noCard ? "Your details" : "Pay with card"}</h2>${error ? `<div class="error" role="alert">${esc(error)}</div>` : ""}
<form method="post" action="/c/pay/${esc(session.id)}">${optionFields(ctx, session, form)}${fields}
<div class="actions"><button class="primary" type="submit">${session.amount_total ? "Subscribe" : "Start trial"}</button>${session.cancel_url ? `<a class="button" href="${esc(session.cancel_url)}">Cancel</a>` : ""}</div></form></div>`;
  return layout("Checkout", body, { back: cancel });
}

/**
 * Applies the posted quantities and promotion code to the session (its amounts follow), or
 * returns the error the page shows; the caller restores the session if anything fails later.
 */
function applyChoices(ctx: Ctx, session: Stripe.Checkout.Session, form: Form): string | null {
  const internal = checkoutInternal(ctx, session);
  for (const [i, line] of internal.lines.entries()) {
    const range = quantityRange(internal, i);
    const raw = form[quantityField(i)];
    if (!range || raw === undefined) continue;
    const q = Number(raw.trim());
    if (!Number.isInteger(q) || q < range.min || q > range.max)
      return `Quantity must be a whole number between ${range.min} and ${range.max}.`;
    line.quantity = q;
  }
  const code = (form.promotion_code ?? "").trim();
  if (code) {
    if (!session.allow_promotion_codes) return "This checkout does not accept promotion codes.";
    const pc = findActiveCode(ctx, code);
    if (!pc) return "This code is invalid.";
    priceSession(ctx, session, internal);
    const why = whyNotRedeemable(ctx, pc, {
      customer: idOf(session.customer),
      amount: session.amount_subtotal ?? 0,
      currency: internal.currency ?? session.currency ?? "usd",
    });
    if (why) return why;
    internal.discounts = [{ promotion_code: pc.id }];
  }
  priceSession(ctx, session, internal);
  return null;
}

/**
 * The 3-D Secure step for cards that always ask for it: the card details ride along in hidden
 * fields (this page has no JavaScript), and nothing exists until the customer completes it.
 */
function authenticationPage(
  session: Stripe.Checkout.Session,
  form: Record<string, string>,
): string {
  // Everything posted rides along (quantities and promotion code too), except the outcome.
  const hidden = Object.entries(form)
    .filter(([k]) => k !== "outcome")
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join("");
  const action = `/c/pay/${esc(session.id)}/authenticate`;
  const button = (outcome: string, label: string, cls: string) =>
    `<form class="inline" method="post" action="${action}">${hidden}<input type="hidden" name="outcome" value="${outcome}"><button class="${cls}" type="submit">${label}</button></form>`;
  const body = `<div class="card" data-testid="authentication"><h2>Confirm your payment</h2><p>Your bank asks you to authenticate this payment (3-D Secure test page).</p><div class="actions">${button("complete", "Complete authentication", "primary")} ${button("fail", "Fail authentication", "")}</div></div>`;
  return layout("Checkout", body);
}

export async function handleCheckoutPage(
  core: EmulatorCore,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const m = /^\/c\/pay\/([^/]+)(\/authenticate)?$/.exec(url.pathname);
  const found = m
    ? findInModes(core, (s) => s.checkoutSessions, decodeURIComponent(m[1] ?? ""))
    : null;
  if (!found)
    return sendHtml(res, 404, messagePage("Checkout", "This checkout session does not exist."));
  const { mode, found: session } = found;
  const ctx = core.ctx(mode, { id: null, idempotency_key: null });
  // A customer on a test clock lives at the clock's time: its session expires on that clock.
  atCustomerTime(ctx, idOf(session.customer));
  if (session.status === "complete") {
    const body = `<div class="card"><p>This checkout session is already complete.</p>${session.success_url ? `<a class="button primary" href="${esc(session.success_url.replace("{CHECKOUT_SESSION_ID}", session.id))}">Continue</a>` : ""}</div>`;
    return sendHtml(res, 200, layout("Checkout", body));
  }
  if (session.status === "expired" || session.expires_at < ctx.now) {
    return sendHtml(res, 410, messagePage("Checkout", "This checkout session has expired."));
  }
  if (req.method !== "POST") return sendHtml(res, 200, page(ctx, session));
  const form = await readForm(req);
  const authStep = Boolean(m?.[2]);
  // Nothing of the customer's choices sticks unless the checkout completes.
  const saved = structuredClone({ session, internal: checkoutInternal(ctx, session) });
  const restore = (): void => {
    Object.assign(session, saved.session);
    ctx.s.checkoutInternal[session.id] = saved.internal;
  };
  const refused = applyChoices(ctx, session, form);
  if (refused) {
    const shown = page(ctx, session, refused, form);
    restore();
    return sendHtml(res, 400, shown);
  }
  if (authStep && form.outcome !== "complete") {
    restore();
    return sendHtml(res, 402, page(ctx, session, AUTHENTICATION_FAILED, form));
  }
  if (!authStep && findTestCard(form.cardnumber ?? "")?.fails === "authenticate") {
    restore();
    return sendHtml(res, 200, authenticationPage(session, form));
  }
  const cardNumber = (form.cardnumber ?? "").trim();
  try {
    const exp = parseExpiry(form.exp);
    completeCheckout(ctx, session, {
      cardNumber: cardNumber === "" && collectsNoCard(session) ? null : cardNumber,
      email: form.email ?? "",
      name: form.name ?? "",
      expMonth: exp?.month,
      expYear: exp?.year,
      authenticated: authStep,
    });
    core.changed();
  } catch (e) {
    restore();
    if (e instanceof ApiError) return sendHtml(res, 402, page(ctx, session, e.message, form));
    throw e;
  }
  const target = (session.success_url ?? core.baseUrl).replace(
    /\{CHECKOUT_SESSION_ID\}/g,
    session.id,
  );
  redirect(res, target);
}
