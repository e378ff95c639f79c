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
import { findInModes, readForm } from "./request";
import { idOf } from "../http/expand";

function summary(ctx: Ctx, session: Stripe.Checkout.Session): string {
  const internal = checkoutInternal(ctx, session);
  const rows = internal.lines
    .map((l) => {
      const price = ctx.s.prices[l.price];
      if (!price) return "";
      const product = ctx.s.products[idOf(price.product)];
      const every = price.recurring
        ? `${price.recurring.interval_count > 1 ? `every ${price.recurring.interval_count} ${price.recurring.interval}s` : `per ${price.recurring.interval}`}`
        : "";
      const currency = internal.currency ?? session.currency ?? price.currency;
      const unit = priceSupports(ctx, price, currency) ? unitAmountIn(ctx, price, currency) : 0;
      return `<div class="row"><div><strong>${esc(product?.name ?? price.id)}</strong>${price.nickname ? ` <span class="muted">${esc(price.nickname)}</span>` : ""}<div class="muted">Qty ${l.quantity}</div></div><div>${esc(formatAmount(unit * l.quantity, currency))} ${esc(every)}</div></div>`;
    })
    .join("");
  const trial = internal.trialDays
    ? `<p class="notice">${internal.trialDays}-day free trial — you won't be charged today.</p>`
    : "";
  return `${trial}${rows}<div class="row"><strong>Due today</strong><strong>${esc(formatAmount(session.amount_total ?? 0, session.currency ?? "usd"))}</strong></div>`;
}

function page(
  ctx: Ctx,
  session: Stripe.Checkout.Session,
  error?: string,
  form?: Record<string, string>,
): string {
  const email =
    form?.email ??
    session.customer_email ??
    (typeof session.customer === "string" ? ctx.s.customers[session.customer]?.email : null) ??
    "";
  const cancel = session.cancel_url ? { href: session.cancel_url, label: "Back" } : undefined;
  const body = `<div class="card"><h2>Subscribe</h2>${summary(ctx, session)}</div>
<div class="card"><h2>Pay with card</h2>${error ? `<div class="error" role="alert">${esc(error)}</div>` : ""}
<form method="post" action="/c/pay/${esc(session.id)}">${cardFields({ email, name: form?.name ?? "" }, true)}
<div class="actions"><button class="primary" type="submit">${session.amount_total ? "Subscribe" : "Start trial"}</button>${session.cancel_url ? `<a class="button" href="${esc(session.cancel_url)}">Cancel</a>` : ""}</div></form></div>`;
  return layout("Checkout", body, { back: cancel });
}

/**
 * The 3-D Secure step for cards that always ask for it: the card details ride along in hidden
 * fields (this page has no JavaScript), and nothing exists until the customer completes it.
 */
function authenticationPage(
  session: Stripe.Checkout.Session,
  form: Record<string, string>,
): string {
  const hidden = ["email", "name", "cardnumber", "exp"]
    .map((k) => `<input type="hidden" name="${k}" value="${esc(form[k] ?? "")}">`)
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
  if (authStep && form.outcome !== "complete") {
    return sendHtml(res, 402, page(ctx, session, AUTHENTICATION_FAILED, form));
  }
  if (!authStep && findTestCard(form.cardnumber ?? "")?.fails === "authenticate") {
    return sendHtml(res, 200, authenticationPage(session, form));
  }
  try {
    const exp = parseExpiry(form.exp);
    completeCheckout(ctx, session, {
      cardNumber: form.cardnumber ?? "",
      email: form.email ?? "",
      name: form.name ?? "",
      expMonth: exp?.month,
      expYear: exp?.year,
      authenticated: authStep,
    });
    core.changed();
  } catch (e) {
    if (e instanceof ApiError) return sendHtml(res, 402, page(ctx, session, e.message, form));
    throw e;
  }
  const target = (session.success_url ?? core.baseUrl).replace(
    /\{CHECKOUT_SESSION_ID\}/g,
    session.id,
  );
  redirect(res, target);
}
