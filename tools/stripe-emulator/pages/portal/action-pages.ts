/**
 * Hosted portal: the page of each action (cancel, change plan, confirm, add a card, details), as
 * pure HTML strings like views.ts.
 */
import type Stripe from "stripe";
import { formatAmount } from "../../resources/currency";
import { priceSupports } from "../../resources/prices";
import { productName } from "../../resources/products";
import { periodOf } from "../../resources/subscriptions/subscriptions";
import { previewUpdate } from "../../resources/subscriptions/prorations";
import { cardFields, esc, fmtDate } from "../layout";
import type { Form } from "../request";
import { REASON_LABELS, Portal, waitsForPeriodEnd, flowActive, quantityRule } from "./flows";
import { priceLabel, scheduledChange, shell } from "./views";

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
    .map(({ price }) => {
      const isCurrent = price.id === current;
      const rule = quantityRule(p.config, price.id);
      const qty = item?.quantity ?? 1;
      // Per-seat products (adjustable_quantity, `quantity` allowed) get a quantity field; same
      // price + new quantity is allowed.
      const quantityField = rule
        ? `<label class="radio">Quantity <input type="number" name="quantity" min="${rule.min}" max="${rule.max}" value="${qty}" style="width:5em"></label>`
        : "";
      const select = `<form class="inline" method="get" action="${p.base}/subscriptions/${esc(sub.id)}/update/confirm"><input type="hidden" name="price" value="${esc(price.id)}">${quantityField}<button type="submit" class="primary" aria-label="Select ${esc(productName(p.ctx, price))} ${esc(priceLabel(p.ctx, price, 1, sub.currency))}">${isCurrent ? "Update quantity" : "Select"}</button></form>`;
      const action = isCurrent
        ? rule
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
