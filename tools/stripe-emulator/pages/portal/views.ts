/** Hosted portal: its pages as pure HTML strings (no routing, no state changes). */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { formatAmount } from "../../engine/currency";
import { priceSupports, productName, unitAmountIn } from "../../resources/prices";
import { attachedSchedule, nextPhase } from "../../resources/subscription-schedules";
import { periodOf } from "../../resources/subscriptions/subscriptions";
import { previewUpdate } from "../../resources/subscriptions/update";
import { cardFields, esc, fmtDate, layout } from "../layout";
import {
  REASON_LABELS,
  Portal,
  Form,
  subscriptionsOf,
  waitsForPeriodEnd,
  flowActive,
} from "./flows";

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
  const price = p.ctx.s.prices[typeof first.price === "string" ? first.price : first.price.id];
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
  const defId = typeof def === "string" ? def : (def?.id ?? null);
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

export function cancelPage(p: Portal, sub: Stripe.Subscription): string {
  const sc = p.config.features.subscription_cancel;
  const when =
    sc.mode === "immediately"
      ? "Your subscription will be canceled immediately."
      : `Your subscription will be canceled, but is still available until the end of your billing period on ${fmtDate(periodOf(sub).end)}.`;
  const reasons = sc.cancellation_reason.enabled
    ? `<fieldset style="border:0;padding:0"><legend><strong>Tell us why you're canceling</strong> <span class="muted">(optional)</span></legend>${sc.cancellation_reason.options
        .map(
          (o) =>
            `<label class="radio"><input type="radio" name="reason" value="${esc(o)}"> ${esc(REASON_LABELS[o] ?? o)}</label>`,
        )
        .join(
          "",
        )}<label for="comment">Anything else?</label><textarea id="comment" name="comment" rows="2"></textarea></fieldset>`
    : "";
  const items = sub.items.data
    .map(
      (i) =>
        `${productName(p.ctx, i.price)} — ${priceLabel(p.ctx, i.price, i.quantity ?? 1, sub.currency)}`,
    )
    .join(", ");
  return shell(
    p,
    "Cancel your plan",
    `<div class="card"><h2>${esc(items)}</h2><p>${esc(when)}</p><form method="post" action="${p.base}/subscriptions/${esc(sub.id)}/cancel">${reasons}<div class="actions"><button class="danger" type="submit">Cancel subscription</button>${flowActive(p) ? "" : `<a class="button" href="${p.base}">Go back</a>`}</div></form></div>`,
  );
}

export function updatePage(p: Portal, sub: Stripe.Subscription): string {
  const su = p.config.features.subscription_update;
  const item = sub.items.data[0];
  const current = item?.price.id;
  const cards = (su.products ?? [])
    .flatMap((prod) => prod.prices.map((priceId) => ({ prod, price: p.ctx.s.prices[priceId] })))
    .filter((x): x is { prod: (typeof x)["prod"]; price: Stripe.Price } =>
      // Only prices the subscription's currency can be billed in (Stripe's portal does the same).
      Boolean(x.price?.active && priceSupports(p.ctx, x.price, sub.currency)),
    )
    .map(({ prod, price }) => {
      const isCurrent = price.id === current;
      const aq = prod.adjustable_quantity;
      const qty = item?.quantity ?? 1;
      // Per-seat products (adjustable_quantity) get a quantity field; same price + new quantity is allowed.
      const quantityField = aq.enabled
        ? `<label class="radio">Quantity <input type="number" name="quantity" min="${aq.minimum}"${aq.maximum ? ` max="${aq.maximum}"` : ""} value="${qty}" style="width:5em"></label>`
        : "";
      const select = `<form class="inline" method="get" action="${p.base}/subscriptions/${esc(sub.id)}/update/confirm"><input type="hidden" name="price" value="${esc(price.id)}">${quantityField}<button type="submit" class="primary" aria-label="Select ${esc(productName(p.ctx, price))} ${esc(priceLabel(p.ctx, price, 1, sub.currency))}">${isCurrent ? "Update quantity" : "Select"}</button></form>`;
      const action = isCurrent
        ? aq.enabled
          ? `<span class="badge">Current plan</span> ${select}`
          : `<span class="badge">Current plan</span>`
        : select;
      return `<div class="row" data-price="${esc(price.id)}"><div><strong>${esc(productName(p.ctx, price))}</strong>${price.nickname ? ` <span class="muted">${esc(price.nickname)}</span>` : ""}<div>${esc(priceLabel(p.ctx, price, 1, sub.currency))}</div></div><div>${action}</div></div>`;
    })
    .join("");
  return shell(
    p,
    "Update your plan",
    `<div class="card"><h2>Choose a plan</h2>${cards}${flowActive(p) ? "" : `<div class="actions"><a class="button" href="${p.base}">Go back</a></div>`}</div>`,
  );
}

export function confirmPage(
  p: Portal,
  sub: Stripe.Subscription,
  item: Stripe.SubscriptionItem,
  price: Stripe.Price,
  quantity: number,
  error?: string,
): string {
  const su = p.config.features.subscription_update;
  const scheduled = waitsForPeriodEnd(p, sub, item, price, quantity);
  let dueToday = "";
  const preview = scheduled
    ? null
    : previewUpdate(p.ctx, sub, item, price, quantity, su.proration_behavior);
  if (preview && (preview.invoicedNow || su.proration_behavior !== "none")) {
    dueToday = `<div class="row"><span>${preview.invoicedNow ? "Amount due today (prorated)" : "Prorated adjustment on your next invoice"}</span><strong>${esc(formatAmount(preview.total, sub.currency))}</strong></div>`;
  }
  const pending = scheduledChange(p, sub);
  const when = `${
    scheduled
      ? `Your plan changes on ${fmtDate(periodOf(sub).end)}.`
      : "Your plan changes immediately."
  }${pending ? ` This replaces the change to ${productName(p.ctx, pending.price)} scheduled for ${fmtDate(pending.at)}.` : ""}`;
  const hidden = `<input type="hidden" name="price" value="${esc(price.id)}"><input type="hidden" name="item" value="${esc(item.id)}"><input type="hidden" name="quantity" value="${quantity}">`;
  const body = `<div class="card"><h2>Confirm your new plan</h2>${error ? `<div class="error" role="alert">${esc(error)}</div>` : ""}<div class="row"><span>Current</span><span>${esc(productName(p.ctx, item.price))} — ${esc(priceLabel(p.ctx, item.price, item.quantity ?? 1, sub.currency))}</span></div><div class="row"><span>New</span><strong>${esc(productName(p.ctx, price))} — ${esc(priceLabel(p.ctx, price, quantity, sub.currency))}</strong></div>${dueToday}<p class="muted">${esc(when)}</p><form method="post" action="${p.base}/subscriptions/${esc(sub.id)}/update/confirm">${hidden}<div class="actions"><button class="primary" type="submit">Confirm</button>${flowActive(p) && p.session.flow?.type === "subscription_update_confirm" ? "" : `<a class="button" href="${p.base}/subscriptions/${esc(sub.id)}/update">Go back</a>`}</div></form></div>`;
  return shell(p, "Confirm plan change", body);
}

export function cardPage(p: Portal, error?: string, form?: Form): string {
  return shell(
    p,
    "Add payment method",
    `<div class="card"><h2>Card details</h2>${error ? `<div class="error" role="alert">${esc(error)}</div>` : ""}<form method="post" action="${p.base}/payment-methods">${cardFields({ name: form?.name ?? p.customer.name })}<div class="actions"><button class="primary" type="submit">Add</button>${flowActive(p) ? "" : `<a class="button" href="${p.base}">Go back</a>`}</div></form></div>`,
  );
}

export const ADDRESS_FIELDS = [
  ["line1", "Address line 1"],
  ["line2", "Address line 2"],
  ["city", "City"],
  ["postal_code", "Postal code"],
  ["state", "State"],
  ["country", "Country (2-letter code)"],
] as const;

export function customerPage(p: Portal): string {
  const allowed = p.config.features.customer_update.allowed_updates;
  const field = (k: "name" | "email" | "phone", label: string, type = "text") =>
    allowed.includes(k)
      ? `<label for="${k}">${label}</label><input id="${k}" type="${type}" name="${k}" value="${esc(p.customer[k] ?? "")}">`
      : "";
  const address = allowed.includes("address")
    ? ADDRESS_FIELDS.map(
        ([k, label]) =>
          `<label for="address_${k}">${label}</label><input id="address_${k}" type="text" name="address_${k}" value="${esc(p.customer.address?.[k] ?? "")}">`,
      ).join("")
    : "";
  return shell(
    p,
    "Update information",
    `<div class="card"><form method="post" action="${p.base}/customer">${field("name", "Name")}${field("email", "Email", "email")}${field("phone", "Phone")}${address}<div class="actions"><button class="primary" type="submit">Save</button>${flowActive(p) ? "" : `<a class="button" href="${p.base}">Go back</a>`}</div></form></div>`,
  );
}
