/**
 * Hosted customer portal: `/p/session/<id>`. Honors the session's configuration and `flow_data`
 * deep links; every action is a plain HTML form POST followed by a 303.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type Stripe from "stripe";
import type { Ctx } from "../context";
import { diff } from "../context";
import type { EmulatorCore } from "../core";
import { formatAmount } from "../currency";
import { ApiError } from "../http/errors";
import { parseForm } from "../http/form";
import { readBody, redirect, sendHtml } from "../http/respond";
import { updateCustomer } from "../resources/customers";
import { allowedPrices } from "../resources/portal";
import { priceSupports, unitAmountIn } from "../resources/prices";
import {
  attachSchedule,
  attachedSchedule,
  nextPhase,
  phaseFactory,
  releaseSchedule,
} from "../resources/subscription-schedules";
import {
  attachPaymentMethod,
  detachPaymentMethod,
  findTestCard,
  paymentMethodFactory,
} from "../resources/payment-methods";
import {
  FEEDBACK,
  applySubscriptionUpdate,
  cancelNow,
  customerIdOf,
  isLive,
  nextPeriodEnd,
  periodOf,
  previewUpdate,
} from "../resources/subscriptions";
import type { Mode, PortalSessionInternal } from "../store";
import { cardFields, esc, fmtDate, layout, parseExpiry } from "./layout";
import { admitPortalRequest } from "./portal-session-gate";

const REASON_LABELS: Record<string, string> = {
  too_expensive: "It's too expensive",
  missing_features: "Some features are missing",
  switched_service: "I'm switching to a different service",
  unused: "I don't use the service enough",
  customer_service: "Customer service was less than expected",
  too_complex: "Ease of use was less than expected",
  low_quality: "Quality was less than expected",
  other: "Other reason",
};

interface Portal {
  core: EmulatorCore;
  ctx: Ctx;
  session: Stripe.BillingPortal.Session;
  internal: PortalSessionInternal;
  config: Stripe.BillingPortal.Configuration;
  customer: Stripe.Customer;
  base: string;
}

type Form = Record<string, string>;

function find(
  core: EmulatorCore,
  id: string,
): { mode: Mode; session: Stripe.BillingPortal.Session } | null {
  for (const mode of ["test", "live"] as const) {
    const session = core.state.modes[mode].portalSessions[id];
    if (session) return { mode, session };
  }
  return null;
}

function productName(ctx: Ctx, price: Stripe.Price): string {
  const pid = typeof price.product === "string" ? price.product : price.product.id;
  return ctx.s.products[pid]?.name ?? pid;
}

/** "$30.00 per month", in the subscription's currency (a price's own or a currency option). */
function priceLabel(ctx: Ctx, price: Stripe.Price, quantity: number, currency: string): string {
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
function scheduledChange(
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

function shell(p: Portal, title: string, body: string, notice?: string | null): string {
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

function subscriptionsOf(p: Portal): Stripe.Subscription[] {
  return Object.values(p.ctx.s.subscriptions)
    .filter((s) => customerIdOf(s) === p.customer.id && isLive(s))
    .reverse();
}

function statusBadge(sub: Stripe.Subscription): string {
  const cls =
    sub.status === "active" || sub.status === "trialing"
      ? "ok"
      : sub.status === "past_due" || sub.status === "incomplete"
        ? "bad"
        : "";
  return `<span class="badge ${cls}">${esc(sub.status.replace("_", " "))}</span>`;
}

function renewalLine(p: Portal, sub: Stripe.Subscription): string {
  const end = periodOf(sub).end;
  if (sub.cancel_at) return `Cancels on ${fmtDate(sub.cancel_at)}`;
  if (sub.status === "trialing") return `Trial ends ${fmtDate(sub.trial_end)}`;
  if (sub.status === "past_due")
    return `Payment failed — we'll retry. Update your payment method to avoid cancellation.`;
  return `Renews on ${fmtDate(end)}`;
}

function scheduledChangeLine(p: Portal, sub: Stripe.Subscription): string {
  const change = scheduledChange(p, sub);
  if (!change) return "";
  const label = `Changes to ${productName(p.ctx, change.price)} (${priceLabel(p.ctx, change.price, change.quantity, sub.currency)}) on ${fmtDate(change.at)}`;
  const undo = p.config.features.subscription_update.enabled
    ? ` <form class="inline" method="post" action="${p.base}/subscriptions/${esc(sub.id)}/schedule/release"><button type="submit">Cancel scheduled change</button></form>`
    : "";
  return `<p class="notice" data-scheduled-change>${esc(label)}${undo}</p>`;
}

function subscriptionCard(p: Portal, sub: Stripe.Subscription): string {
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

function paymentMethodsCard(p: Portal): string {
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

function customerCard(p: Portal): string {
  const c = p.customer;
  return `<div class="card"><h2>Billing information</h2><div class="row"><span>Name</span><span>${esc(c.name ?? "—")}</span></div><div class="row"><span>Email</span><span>${esc(c.email ?? "—")}</span></div><div class="row"><span>Phone</span><span>${esc(c.phone ?? "—")}</span></div><div class="actions"><a class="button" href="${p.base}/customer">Update information</a></div></div>`;
}

function invoicesCard(p: Portal): string {
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

function home(p: Portal, notice?: string | null): string {
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

function cancelPage(p: Portal, sub: Stripe.Subscription): string {
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

function updatePage(p: Portal, sub: Stripe.Subscription): string {
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

/** Length of a price's interval, comparable across units (months and years exactly). */
function intervalLength(pr: Stripe.Price): number {
  const rec = pr.recurring;
  const count = rec?.interval_count ?? 1;
  switch (rec?.interval ?? "month") {
    case "day":
      return count;
    case "week":
      return 7 * count;
    case "year":
      return 365.25 * count;
    default:
      return (365.25 / 12) * count;
  }
}

/**
 * Whether the configuration's `schedule_at_period_end.conditions` make this change wait for the
 * period end, with Stripe's definitions: `decreasing_item_amount` — the item's amount per
 * billing period (unit amount × quantity) decreases; `shortening_interval` — the new billing
 * interval is shorter. Monthly to yearly (a larger amount, a longer interval) applies now.
 */
function waitsForPeriodEnd(
  p: Portal,
  sub: Stripe.Subscription,
  item: Stripe.SubscriptionItem,
  price: Stripe.Price,
  quantity: number,
): boolean {
  const conds = p.config.features.subscription_update.schedule_at_period_end.conditions;
  const amount = (pr: Stripe.Price, q: number) => unitAmountIn(p.ctx, pr, sub.currency) * q;
  return conds.some((c) =>
    c.type === "decreasing_item_amount"
      ? amount(price, quantity) < amount(item.price, item.quantity ?? 1)
      : c.type === "shortening_interval" && intervalLength(price) < intervalLength(item.price),
  );
}

/**
 * The portal's period-end change: a schedule from the subscription with two phases — today's
 * items until the period end, then the new price for one iteration — released at its end.
 */
function scheduleChange(
  p: Portal,
  sub: Stripe.Subscription,
  item: Stripe.SubscriptionItem,
  price: Stripe.Price,
  quantity: number,
): void {
  const { start, end } = periodOf(sub);
  const behavior = p.config.features.subscription_update.proration_behavior;
  const prorationBehavior =
    behavior === "always_invoice" || behavior === "none" ? behavior : "create_prorations";
  const current = sub.items.data.map((i) => ({ price: i.price.id, quantity: i.quantity ?? 1 }));
  const next = sub.items.data.map((i) =>
    i.id === item.id
      ? { price: price.id, quantity }
      : { price: i.price.id, quantity: i.quantity ?? 1 },
  );
  attachSchedule(p.ctx, sub, [
    phaseFactory({ start, end, currency: sub.currency, items: current, prorationBehavior }),
    phaseFactory({
      start: end,
      end: nextPeriodEnd(end, price, sub.billing_cycle_anchor),
      currency: sub.currency,
      items: next,
      prorationBehavior,
    }),
  ]);
}

/** Releases the subscription's schedule, if any (before the portal changes it otherwise). */
function releaseAttached(p: Portal, sub: Stripe.Subscription): void {
  const sched = attachedSchedule(p.ctx, sub);
  if (sched) releaseSchedule(p.ctx, sched);
}

function confirmPage(
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

function cardPage(p: Portal, error?: string, form?: Form): string {
  return shell(
    p,
    "Add payment method",
    `<div class="card"><h2>Card details</h2>${error ? `<div class="error" role="alert">${esc(error)}</div>` : ""}<form method="post" action="${p.base}/payment-methods">${cardFields({ name: form?.name ?? p.customer.name })}<div class="actions"><button class="primary" type="submit">Add</button>${flowActive(p) ? "" : `<a class="button" href="${p.base}">Go back</a>`}</div></form></div>`,
  );
}

const ADDRESS_FIELDS = [
  ["line1", "Address line 1"],
  ["line2", "Address line 2"],
  ["city", "City"],
  ["postal_code", "Postal code"],
  ["state", "State"],
  ["country", "Country (2-letter code)"],
] as const;

function customerPage(p: Portal): string {
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

function flowActive(p: Portal): boolean {
  return p.session.flow !== null && !p.internal.flowDone;
}

/** After a successful action: follow the flow's after_completion, or go back home. */
function afterAction(p: Portal, res: ServerResponse, notice: string): void {
  const flow = p.session.flow;
  if (flow && !p.internal.flowDone) {
    p.internal.flowDone = true;
    p.core.changed();
    const ac = flow.after_completion;
    if (ac.type === "redirect" && ac.redirect) return redirect(res, ac.redirect.return_url);
    if (ac.type === "hosted_confirmation")
      return redirect(res, `${p.base}/done?notice=${encodeURIComponent(notice)}`);
  }
  redirect(res, `${p.base}?notice=${encodeURIComponent(notice)}`);
}

/** Root of a flow session: only the flow's action is shown. */
function flowRoot(p: Portal): string | null {
  const flow = p.session.flow;
  if (!flow || p.internal.flowDone) return null;
  const sub = (id: string | undefined) => (id ? p.ctx.s.subscriptions[id] : undefined);
  switch (flow.type) {
    case "payment_method_update":
      return cardPage(p);
    case "customer_update":
      return customerPage(p);
    case "subscription_cancel": {
      const s = sub(flow.subscription_cancel?.subscription);
      return s ? cancelPage(p, s) : null;
    }
    case "subscription_update": {
      const s = sub(flow.subscription_update?.subscription);
      return s ? updatePage(p, s) : null;
    }
    case "subscription_update_confirm": {
      const suc = flow.subscription_update_confirm;
      const s = sub(suc?.subscription);
      const change = suc?.items[0];
      const item = s?.items.data.find((i) => i.id === change?.id);
      const price = change?.price ? p.ctx.s.prices[change.price] : item?.price;
      return s && item && price
        ? confirmPage(p, s, item, price, change?.quantity ?? item.quantity ?? 1)
        : null;
    }
    default:
      return null;
  }
}

function ownSubscription(p: Portal, id: string): Stripe.Subscription | null {
  const sub = p.ctx.s.subscriptions[id];
  // Only the session's customer may act on a subscription, and only a live one.
  return sub && customerIdOf(sub) === p.customer.id && isLive(sub) ? sub : null;
}

function setDefaultCard(p: Portal, pmId: string): void {
  const c = p.customer;
  const before = structuredClone(c);
  c.invoice_settings.default_payment_method = pmId;
  const changes = diff(before, c);
  if (Object.keys(changes).length) p.ctx.emit("customer.updated", structuredClone(c), changes);
  // Like Stripe: only the customer's invoice default. A subscription's own default_payment_method
  // (Checkout sets one) still wins, and no open invoice is paid here: that is the app's job.
}

async function readForm(req: IncomingMessage): Promise<Form> {
  const raw = parseForm(await readBody(req));
  const out: Form = {};
  for (const [k, v] of Object.entries(raw)) if (typeof v === "string") out[k] = v;
  return out;
}

export async function handlePortalPage(
  core: EmulatorCore,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const m = /^\/p\/session\/([^/]+)(\/.*)?$/.exec(url.pathname);
  const found = m ? find(core, decodeURIComponent(m[1] ?? "")) : null;
  const expired = (msg: string) =>
    sendHtml(res, 410, layout("Billing", `<div class="card"><p>${esc(msg)}</p></div>`));
  if (!found)
    return sendHtml(
      res,
      404,
      layout("Billing", `<div class="card"><p>This portal session does not exist.</p></div>`),
    );
  const { mode, session } = found;
  const ctx = core.ctx(mode, { id: null, idempotency_key: null });
  const internal = ctx.s.portalInternal[session.id] ?? {
    createdAtMs: Date.now(),
    openedAtMs: null,
    flowDone: false,
  };
  ctx.s.portalInternal[session.id] = internal;
  const wasOpened = internal.openedAtMs !== null;
  const gate = admitPortalRequest(internal, session.id, req, res, Date.now());
  if (!gate.ok) return expired(gate.message);
  if (!wasOpened) core.changed();
  const configId =
    typeof session.configuration === "string" ? session.configuration : session.configuration.id;
  const config = ctx.s.portalConfigurations[configId];
  const customer = ctx.s.customers[session.customer];
  if (!config || !customer) return expired("This portal session is no longer valid.");
  const base = `/p/session/${encodeURIComponent(session.id)}`;
  const p: Portal = { core, ctx, session, internal, config, customer, base };
  const rest = m?.[2] ?? "/";
  const f = config.features;
  const notice = url.searchParams.get("notice");
  const post = req.method === "POST";
  const sub =
    /^\/subscriptions\/([^/]+)\/(cancel|renew|update|update\/confirm|schedule\/release)$/.exec(
      rest,
    );

  try {
    if (!post && (rest === "/" || rest === "")) {
      return sendHtml(res, 200, flowRoot(p) ?? home(p, notice));
    }
    if (!post && rest === "/done") {
      const custom = session.flow?.after_completion.hosted_confirmation?.custom_message;
      return sendHtml(
        res,
        200,
        shell(
          p,
          "All done",
          `<div class="card"><h2>${esc(custom ?? notice ?? "Your changes were saved.")}</h2>${session.return_url ? `<a class="button primary" href="${esc(session.return_url)}">Return to ${esc(config.business_profile.headline ?? "the app")}</a>` : ""}</div>`,
        ),
      );
    }
    if (sub) {
      const s = ownSubscription(p, decodeURIComponent(sub[1] ?? ""));
      if (!s)
        return sendHtml(
          res,
          404,
          shell(p, "Billing", `<div class="card"><p>Subscription not found.</p></div>`),
        );
      const action = sub[2];
      if (action === "cancel") {
        if (!f.subscription_cancel.enabled)
          return sendHtml(res, 403, home(p, "Canceling is not enabled."));
        if (!post) return sendHtml(res, 200, cancelPage(p, s));
        const form = await readForm(req);
        const feedback = FEEDBACK.find((x) => x === form.reason) ?? null;
        const comment = form.comment?.trim() || null;
        // A schedule refuses cancelation changes on its subscription: release it first.
        releaseAttached(p, s);
        if (f.subscription_cancel.mode === "immediately") {
          const prorate = f.subscription_cancel.proration_behavior !== "none";
          cancelNow(ctx, s, "cancellation_requested", {
            feedback,
            comment,
            prorate,
            invoiceNow: prorate,
          });
          core.changed();
          return afterAction(p, res, "Your subscription has been canceled.");
        }
        applySubscriptionUpdate(ctx, s, {
          cancelAtPeriodEnd: true,
          cancellationDetails: { feedback, comment },
        });
        core.changed();
        return afterAction(
          p,
          res,
          `Your subscription will be canceled on ${fmtDate(periodOf(s).end)}.`,
        );
      }
      if (action === "renew" && post) {
        applySubscriptionUpdate(
          ctx,
          s,
          s.cancel_at_period_end ? { cancelAtPeriodEnd: false } : { cancelAt: null },
        );
        core.changed();
        return afterAction(p, res, "Your subscription has been renewed.");
      }
      if (!f.subscription_update.enabled)
        return sendHtml(res, 403, home(p, "Plan changes are not enabled."));
      if (action === "schedule/release" && post) {
        const change = scheduledChange(p, s);
        releaseAttached(p, s);
        core.changed();
        return afterAction(
          p,
          res,
          change
            ? `The change to ${productName(ctx, change.price)} was canceled. Your plan stays the same.`
            : "There was no scheduled change.",
        );
      }
      if (action === "update" && !post) return sendHtml(res, 200, updatePage(p, s));
      if (action === "update/confirm") {
        const form = post ? await readForm(req) : Object.fromEntries(url.searchParams);
        const item = s.items.data.find((i) => i.id === form.item) ?? s.items.data[0];
        const price = ctx.s.prices[form.price ?? ""];
        const quantity = Number(form.quantity ?? item?.quantity ?? 1) || 1;
        if (
          !item ||
          !price ||
          !allowedPrices(config).has(price.id) ||
          !priceSupports(ctx, price, s.currency)
        ) {
          return sendHtml(
            res,
            400,
            shell(
              p,
              "Update your plan",
              `<div class="card"><div class="error">That plan is not available.</div><a class="button" href="${base}">Go back</a></div>`,
            ),
          );
        }
        if (!post) return sendHtml(res, 200, confirmPage(p, s, item, price, quantity));
        // A change made while another is scheduled replaces it: the old schedule is released.
        const waits = waitsForPeriodEnd(p, s, item, price, quantity);
        releaseAttached(p, s);
        if (waits) {
          scheduleChange(p, s, item, price, quantity);
          core.changed();
          return afterAction(p, res, `Your plan will change on ${fmtDate(periodOf(s).end)}.`);
        }
        const behavior = f.subscription_update.proration_behavior;
        applySubscriptionUpdate(ctx, s, {
          items: [{ itemId: item.id, price: price.id, quantity, deleted: false }],
          prorationBehavior:
            behavior === "always_invoice"
              ? "always_invoice"
              : behavior === "create_prorations"
                ? "create_prorations"
                : "none",
        });
        core.changed();
        return afterAction(p, res, `Your plan was changed to ${productName(ctx, price)}.`);
      }
    }
    if (rest === "/payment-methods/new" && !post && f.payment_method_update.enabled) {
      return sendHtml(res, 200, cardPage(p));
    }
    if (rest === "/payment-methods" && post && f.payment_method_update.enabled) {
      const form = await readForm(req);
      const card = findTestCard(form.cardnumber ?? "");
      if (!card) return sendHtml(res, 402, cardPage(p, "Your card number is incorrect.", form));
      const exp = parseExpiry(form.exp);
      const pm = paymentMethodFactory(
        ctx,
        card,
        { name: form.name || null, email: customer.email },
        exp,
      );
      try {
        ctx.s.paymentMethods[pm.id] = pm;
        attachPaymentMethod(ctx, pm.id, customer.id);
      } catch (e) {
        delete ctx.s.paymentMethods[pm.id];
        if (e instanceof ApiError) return sendHtml(res, 402, cardPage(p, e.message, form));
        throw e;
      }
      setDefaultCard(p, pm.id);
      core.changed();
      return afterAction(p, res, `Card ending in ${pm.card?.last4 ?? ""} added.`);
    }
    const pmAction = /^\/payment-methods\/([^/]+)\/(default|delete)$/.exec(rest);
    if (pmAction && post && f.payment_method_update.enabled) {
      const pm = ctx.s.paymentMethods[decodeURIComponent(pmAction[1] ?? "")];
      if (!pm || pm.customer !== customer.id) return redirect(res, base);
      if (pmAction[2] === "default") setDefaultCard(p, pm.id);
      else detachPaymentMethod(ctx, pm.id);
      core.changed();
      return redirect(
        res,
        `${base}?notice=${encodeURIComponent(pmAction[2] === "default" ? "Default payment method updated." : "Payment method removed.")}`,
      );
    }
    if (rest === "/customer" && f.customer_update.enabled) {
      if (!post) return sendHtml(res, 200, customerPage(p));
      const form = await readForm(req);
      const allowed = f.customer_update.allowed_updates;
      const params: Record<string, string | Record<string, string>> = {};
      for (const k of ["name", "email", "phone"] as const) {
        const v = form[k];
        if (allowed.includes(k) && v !== undefined) params[k] = v;
      }
      if (allowed.includes("address")) {
        const address: Record<string, string> = {};
        for (const [k] of ADDRESS_FIELDS) {
          const v = form[`address_${k}`];
          if (v !== undefined) address[k] = v;
        }
        params.address = address;
      }
      updateCustomer(ctx, customer.id, params);
      core.changed();
      return afterAction(p, res, "Your information was updated.");
    }
    return sendHtml(res, 404, home(p, "That page is not available in this portal."));
  } catch (e) {
    if (e instanceof ApiError) return sendHtml(res, e.status, home(p, e.message));
    throw e;
  }
}
