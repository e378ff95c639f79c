/**
 * Hosted customer portal: `/p/session/<id>`. Honors the session's configuration and `flow_data`
 * deep links; every action is a plain HTML form POST followed by a 303. Routing and POSTs live
 * here; views.ts renders, flows.ts holds the rules.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorCore } from "../../engine/emulator-core";
import { ApiError } from "../../http/errors";
import { redirect, sendHtml } from "../../http/respond";
import { updateCustomer } from "../../resources/customers";
import { allowedPrices } from "../../resources/billing-portal/configurations";
import { priceSupports } from "../../resources/prices";
import { productName } from "../../resources/products";
import {
  attachPaymentMethod,
  detachPaymentMethod,
  findTestCard,
  paymentMethodFactory,
} from "../../resources/payment-methods";
import { FEEDBACK, cancelNow } from "../../resources/subscriptions/cancel";
import { applySubscriptionUpdate } from "../../resources/subscriptions/update";
import { periodOf } from "../../resources/subscriptions/subscriptions";
import { esc, fmtDate, messagePage, parseExpiry } from "../layout";
import { findInModes, readForm } from "../request";
import { admitPortalRequest } from "./session-gate";
import {
  Portal,
  waitsForPeriodEnd,
  scheduleChange,
  releaseAttached,
  flowRoot,
  ownSubscription,
  setDefaultCard,
  chosenQuantity,
} from "./flows";
import { scheduledChange, shell, home } from "./views";
import {
  cancelPage,
  updatePage,
  confirmPage,
  cardPage,
  ADDRESS_FIELDS,
  customerPage,
} from "./action-pages";
import { idOf } from "../../http/expand";

/** After a successful action: follow the flow's after_completion, or go back home. */
export function afterAction(p: Portal, res: ServerResponse, notice: string): void {
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

export async function handlePortalPage(
  core: EmulatorCore,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const m = /^\/p\/session\/([^/]+)(\/.*)?$/.exec(url.pathname);
  const found = m
    ? findInModes(core, (s) => s.portalSessions, decodeURIComponent(m[1] ?? ""))
    : null;
  const expired = (msg: string) => sendHtml(res, 410, messagePage("Billing", msg));
  if (!found)
    return sendHtml(res, 404, messagePage("Billing", "This portal session does not exist."));
  const { mode, found: session } = found;
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
  const configId = idOf(session.configuration);
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
        const chosen = item && price ? chosenQuantity(config, item, price, form.quantity) : null;
        if (
          !item ||
          !price ||
          !chosen ||
          "error" in chosen ||
          !allowedPrices(config).has(price.id) ||
          !priceSupports(ctx, price, s.currency)
        ) {
          const why = chosen && "error" in chosen ? chosen.error : "That plan is not available.";
          return sendHtml(
            res,
            400,
            shell(
              p,
              "Update your plan",
              `<div class="card"><div class="error" role="alert">${esc(why)}</div><a class="button" href="${base}">Go back</a></div>`,
            ),
          );
        }
        const quantity = chosen.quantity;
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
