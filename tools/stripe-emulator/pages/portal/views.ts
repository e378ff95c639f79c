/** Hosted portal: the home page and its cards, as pure HTML strings (no routing, no state changes). */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { formatAmount } from "../../resources/currency";
import { priceSupports, unitAmountIn } from "../../resources/prices";
import { productName } from "../../resources/products";
import { attachedSchedule, nextPhase } from "../../resources/subscription-schedules";
import { periodOf } from "../../resources/subscriptions/subscriptions";
import { esc, fmtDate, layout } from "../layout";
import { Portal, subscriptionsOf } from "./flows";
import { idOf } from "../../http/expand";

/** "$30.00 per month", in the subscription's currency (a price's own or a currency option). */
export function priceLabel(
  ctx: Ctx,
  price: Stripe.Price,
  quantity: number,
  currency: string,
): string {
  const rec = price.recurring;
  const per = rec
    ? rec.interval_count > 1
      ? ` every ${rec.interval_count} ${rec.interval}s`
      : ` per ${rec.interval}`
    : "";
  const unit = priceSupports(ctx, price, currency) ? unitAmountIn(ctx, price, currency) : 0;
  return `${formatAmount(unit * quantity, currency)}${per}`;
}

/**
 * The change a schedule will make at its next phase, when it differs from today's items: what
 * the portal shows as "Changes to … on …".
 */
export function scheduledChange(
  p: Portal,
  sub: Stripe.Subscription,
): { price: Stripe.Price; quantity: number; at: number } | null {
  const sched = attachedSchedule(p.ctx, sub);
  const next = sched ? nextPhase(sched) : null;
  const first = next?.items[0];
  if (!next || !first) return null;
  const price = p.ctx.s.prices[idOf(first.price)];
  if (!price) return null;
  const quantity = first.quantity ?? 1;
  const item = sub.items.data[0];
  if (item && item.price.id === price.id && (item.quantity ?? 1) === quantity) return null;
  return { price, quantity, at: next.start_date };
}

export function shell(p: Portal, title: string, body: string, notice?: string | null): string {
  const headline = p.config.business_profile.headline;
  const back = p.session.return_url
    ? { href: p.session.return_url, label: `Return to ${headline ?? "the app"}` }
    : undefined;
  const legal = [
    p.config.business_profile.privacy_policy_url
      ? `<a href="${esc(p.config.business_profile.privacy_policy_url)}">Privacy</a>`
      : "",
    p.config.business_profile.terms_of_service_url
      ? `<a href="${esc(p.config.business_profile.terms_of_service_url)}">Terms</a>`
      : "",
  ]
    .filter(Boolean)
    .join(" · ");
  const head = headline ? `<p class="muted">${esc(headline)}</p>` : "";
  const who = `<p class="muted">Signed in as ${esc(p.customer.email ?? p.customer.name ?? p.customer.id)}</p>`;
  return layout(
    title,
    `${head}${who}${notice ? `<div class="notice" role="status">${esc(notice)}</div>` : ""}${body}${legal ? `<p class="muted">${legal}</p>` : ""}`,
    { back },
  );
}

export function statusBadge(sub: Stripe.Subscription): string {
  const cls =
    sub.status === "active" || sub.status === "trialing"
      ? "ok"
      : sub.status === "past_due" || sub.status === "incomplete"
        ? "bad"
        : "";
  return `<span class="badge ${cls}">${esc(sub.status.replace("_", " "))}</span>`;
}

export function renewalLine(p: Portal, sub: Stripe.Subscription): string {
  const end = periodOf(sub).end;
  if (sub.cancel_at) return `Cancels on ${fmtDate(sub.cancel_at)}`;
  if (sub.status === "trialing") return `Trial ends ${fmtDate(sub.trial_end)}`;
  if (sub.status === "past_due")
    return `Payment failed — we'll retry. Update your payment method to avoid cancellation.`;
  return `Renews on ${fmtDate(end)}`;
}

export function scheduledChangeLine(p: Portal, sub: Stripe.Subscription): string {
  const change = scheduledChange(p, sub);
  if (!change) return "";
  const label = `Changes to ${productName(p.ctx, change.price)} (${priceLabel(p.ctx, change.price, change.quantity, sub.currency)}) on ${fmtDate(change.at)}`;
  const undo = p.config.features.subscription_update.enabled
    ? ` <form class="inline" method="post" action="${p.base}/subscriptions/${esc(sub.id)}/schedule/release"><button type="submit">Cancel scheduled change</button></form>`
    : "";
  return `<p class="notice" data-scheduled-change>${esc(label)}${undo}</p>`;
}

export function subscriptionCard(p: Portal, sub: Stripe.Subscription): string {
  const f = p.config.features;
  const items = sub.items.data
    .map(
      (i) =>
        `<div><strong>${esc(productName(p.ctx, i.price))}</strong>${(i.quantity ?? 1) > 1 ? ` × ${i.quantity}` : ""} — ${esc(priceLabel(p.ctx, i.price, i.quantity ?? 1, sub.currency))}</div>`,
    )
    .join("");
  const actions: string[] = [];
  const canUpdate =
    f.subscription_update.enabled && (f.subscription_update.products ?? []).length > 0;
  if (canUpdate && !sub.cancel_at)
    actions.push(
      `<a class="button primary" href="${p.base}/subscriptions/${esc(sub.id)}/update">Update plan</a>`,
    );
  if (sub.cancel_at && f.subscription_cancel.enabled) {
    actions.push(
      `<form class="inline" method="post" action="${p.base}/subscriptions/${esc(sub.id)}/renew"><button class="primary" type="submit">Renew subscription</button></form>`,
    );
  } else if (f.subscription_cancel.enabled) {
    actions.push(
      `<a class="button" href="${p.base}/subscriptions/${esc(sub.id)}/cancel">Cancel subscription</a>`,
    );
  }
  return `<div class="card" data-subscription="${esc(sub.id)}"><h2>Current subscription ${statusBadge(sub)}</h2>${items}<p class="muted">${esc(renewalLine(p, sub))}</p>${scheduledChangeLine(p, sub)}<div class="actions">${actions.join("")}</div></div>`;
}

export function paymentMethodsCard(p: Portal): string {
  const pms = Object.values(p.ctx.s.paymentMethods)
    .filter((pm) => pm.customer === p.customer.id)
    .reverse();
  const def = p.customer.invoice_settings.default_payment_method;
  const defId = idOf(def);
  const rows = pms
    .map((pm) => {
      const isDefault = pm.id === defId;
      const actions = isDefault
        ? `<span class="badge">Default</span>`
        : `<form class="inline" method="post" action="${p.base}/payment-methods/${esc(pm.id)}/default"><button type="submit">Make default</button></form> <form class="inline" method="post" action="${p.base}/payment-methods/${esc(pm.id)}/delete"><button type="submit">Delete</button></form>`;
      return `<div class="row"><div>${esc(pm.card?.brand ?? "card")} •••• ${esc(pm.card?.last4 ?? "")} <span class="muted">Expires ${esc(pm.card?.exp_month)}/${esc(pm.card?.exp_year)}</span></div><div>${actions}</div></div>`;
    })
    .join("");
  return `<div class="card"><h2>Payment method</h2>${rows || `<p class="muted">No payment methods on file.</p>`}<div class="actions"><a class="button" href="${p.base}/payment-methods/new">Add payment method</a></div></div>`;
}

export function customerCard(p: Portal): string {
  const c = p.customer;
  return `<div class="card"><h2>Billing information</h2><div class="row"><span>Name</span><span>${esc(c.name ?? "—")}</span></div><div class="row"><span>Email</span><span>${esc(c.email ?? "—")}</span></div><div class="row"><span>Phone</span><span>${esc(c.phone ?? "—")}</span></div><div class="actions"><a class="button" href="${p.base}/customer">Update information</a></div></div>`;
}

export function invoicesCard(p: Portal): string {
  const invs = Object.values(p.ctx.s.invoices)
    .filter((i) => i.customer === p.customer.id && i.status !== "draft")
    .reverse();
  const rows = invs
    .map(
      (i) =>
        `<tr><td>${esc(fmtDate(i.created))}</td><td>${esc(formatAmount(i.total, i.currency))}</td><td><span class="badge ${i.status === "paid" ? "ok" : i.status === "open" ? "warn" : ""}">${esc(i.status)}</span></td><td><a href="${esc(i.hosted_invoice_url ?? "#")}">View</a> · <a href="${esc(i.invoice_pdf ?? "#")}">PDF</a></td></tr>`,
    )
    .join("");
  return `<div class="card"><h2>Invoice history</h2>${rows ? `<table><tbody>${rows}</tbody></table>` : `<p class="muted">No invoices yet.</p>`}</div>`;
}

export function home(p: Portal, notice?: string | null): string {
  const f = p.config.features;
  const subs = subscriptionsOf(p);
  const parts = [
    subs.length
      ? subs.map((s) => subscriptionCard(p, s)).join("")
      : `<div class="card"><h2>Subscription</h2><p class="muted">No active subscriptions.</p></div>`,
    f.payment_method_update.enabled ? paymentMethodsCard(p) : "",
    f.customer_update.enabled ? customerCard(p) : "",
    f.invoice_history.enabled ? invoicesCard(p) : "",
  ];
  return shell(p, "Billing", parts.join(""), notice);
}
