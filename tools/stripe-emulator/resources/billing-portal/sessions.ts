/**
 * Billing portal sessions and their `flow_data` (deep links), validated the way Stripe validates
 * them (rules.ts).
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { newId } from "../../engine/store";
import { badRequest, invalid, missing, noSuch } from "../../http/errors";
import { allowOnly, obj, objArr, oneOf, reqStr, str, type Params } from "../../http/params";
import { getCustomer } from "../customers";
import { getPrice } from "../prices";
import { customerIdOf, getSubscription, isLive } from "../subscriptions/subscriptions";
import { allowedPrices, getConfiguration, type Config } from "./configurations";
import { checkConfirmItems, checkRetention } from "./rules";

type Flow = Stripe.BillingPortal.Session.Flow;

function flowSubscription(ctx: Ctx, customer: string, fd: Params, key: string): string {
  const inner = obj(fd, key, `flow_data[${key}]`);
  if (!inner) throw missing(`flow_data[${key}]`);
  const subId = reqStr(inner, "subscription", `flow_data[${key}][subscription]`);
  const sub = ctx.s.subscriptions[subId];
  if (!sub) throw noSuch("subscription", subId, `flow_data[${key}][subscription]`);
  if (customerIdOf(sub) !== customer) {
    throw invalid(
      `flow_data[${key}][subscription]`,
      `The subscription ${subId} does not belong to the customer ${customer}.`,
    );
  }
  if (!isLive(sub)) {
    throw invalid(
      `flow_data[${key}][subscription]`,
      `You can't create a portal session for a subscription that is canceled.`,
    );
  }
  return subId;
}

function parseFlow(ctx: Ctx, customer: string, config: Config, fd: Params): Flow {
  const type = oneOf(
    fd,
    "type",
    [
      "payment_method_update",
      "subscription_cancel",
      "subscription_update",
      "subscription_update_confirm",
      "subscription_pause",
      "customer_update",
    ] as const,
    "flow_data[type]",
  );
  if (!type) throw missing("flow_data[type]");
  const ac = obj(fd, "after_completion", "flow_data[after_completion]");
  const acType = ac
    ? (oneOf(
        ac,
        "type",
        ["redirect", "hosted_confirmation", "portal_homepage"] as const,
        "flow_data[after_completion][type]",
      ) ?? "portal_homepage")
    : "portal_homepage";
  const redirect = ac ? obj(ac, "redirect") : undefined;
  const hosted = ac ? obj(ac, "hosted_confirmation") : undefined;
  if (acType === "redirect" && !redirect)
    throw missing("flow_data[after_completion][redirect][return_url]");
  const flow: Flow = {
    after_completion: {
      hosted_confirmation:
        acType === "hosted_confirmation"
          ? { custom_message: hosted ? (str(hosted, "custom_message") ?? null) : null }
          : null,
      redirect:
        acType === "redirect" && redirect
          ? {
              return_url: reqStr(
                redirect,
                "return_url",
                "flow_data[after_completion][redirect][return_url]",
              ),
            }
          : null,
      type: acType,
    },
    customer_update: null,
    subscription_cancel: null,
    subscription_pause: null,
    subscription_update: null,
    subscription_update_confirm: null,
    type,
  };
  const disabled = (feature: string): never => {
    throw invalid(
      "flow_data[type]",
      `The \`${type}\` flow can't be used because the \`${feature}\` feature is disabled in the portal configuration (${config.id}).`,
    );
  };
  const f = config.features;
  switch (type) {
    case "payment_method_update":
      if (!f.payment_method_update.enabled) disabled("payment_method_update");
      break;
    case "customer_update":
      if (!f.customer_update.enabled) disabled("customer_update");
      flow.customer_update = {};
      break;
    case "subscription_cancel": {
      if (!f.subscription_cancel.enabled) disabled("subscription_cancel");
      const sub = flowSubscription(ctx, customer, fd, "subscription_cancel");
      const retention = checkRetention(ctx, obj(fd, "subscription_cancel") ?? {});
      flow.subscription_cancel = { retention, subscription: sub };
      break;
    }
    case "subscription_pause": {
      if (!f.subscription_pause.enabled) disabled("subscription_pause");
      flow.subscription_pause = {
        subscription: flowSubscription(ctx, customer, fd, "subscription_pause"),
      };
      break;
    }
    case "subscription_update": {
      if (!f.subscription_update.enabled) disabled("subscription_update");
      flow.subscription_update = {
        subscription: flowSubscription(ctx, customer, fd, "subscription_update"),
      };
      break;
    }
    case "subscription_update_confirm": {
      if (!f.subscription_update.enabled) disabled("subscription_update");
      const subId = flowSubscription(ctx, customer, fd, "subscription_update_confirm");
      const sub = getSubscription(ctx, subId);
      const inner = obj(fd, "subscription_update_confirm") ?? {};
      const items = objArr(inner, "items", "flow_data[subscription_update_confirm][items]");
      if (!items || items.length === 0)
        throw missing("flow_data[subscription_update_confirm][items]");
      checkConfirmItems(sub, items, "flow_data[subscription_update_confirm][items]");
      const allowed = allowedPrices(config);
      flow.subscription_update_confirm = {
        discounts: null,
        items: items.map((it, i) => {
          const path = `flow_data[subscription_update_confirm][items][${i}]`;
          const id = reqStr(it, "id", `${path}[id]`);
          if (!sub.items.data.some((x) => x.id === id))
            throw invalid(
              `${path}[id]`,
              `The subscription item ${id} does not belong to the subscription ${subId}.`,
            );
          const price = str(it, "price", `${path}[price]`);
          if (price) {
            getPrice(ctx, price, `${path}[price]`);
            if (!allowed.has(price)) {
              throw invalid(
                `${path}[price]`,
                `The price ${price} is not available in the portal configuration's \`features.subscription_update.products\`.`,
              );
            }
          }
          const q = str(it, "quantity");
          return q
            ? { id, price: price ?? null, quantity: Number(q) }
            : { id, price: price ?? null };
        }),
        subscription: subId,
      };
      break;
    }
  }
  return flow;
}

export function createPortalSession(ctx: Ctx, p: Params): Stripe.BillingPortal.Session {
  allowOnly(p, ["customer", "return_url", "configuration", "flow_data", "locale", "on_behalf_of"]);
  const customer = reqStr(p, "customer");
  getCustomer(ctx, customer, "customer");
  const configId = str(p, "configuration");
  let config: Config | undefined;
  if (configId) {
    config = getConfiguration(ctx, configId, "configuration");
    if (!config.active) throw invalid("configuration", "The configuration is inactive.");
  } else {
    config = Object.values(ctx.s.portalConfigurations).find((c) => c.is_default);
    if (!config) {
      const dash =
        ctx.mode === "test"
          ? "https://dashboard.stripe.com/test/settings/billing/portal"
          : "https://dashboard.stripe.com/settings/billing/portal";
      throw badRequest(
        `No configuration provided and your ${ctx.mode} mode default configuration has not been created. Provide a configuration or create your default by saving your customer portal settings in ${ctx.mode} mode at ${dash}.`,
      );
    }
  }
  const returnUrl = str(p, "return_url") || config.default_return_url;
  const fd = obj(p, "flow_data");
  const flow = fd ? parseFlow(ctx, customer, config, fd) : null;
  const id = newId("bps");
  const session: Stripe.BillingPortal.Session = {
    id,
    object: "billing_portal.session",
    configuration: config.id,
    created: ctx.now,
    customer,
    customer_account: null,
    flow,
    livemode: ctx.mode === "live",
    locale: (str(p, "locale") as Stripe.BillingPortal.Session.Locale | undefined) ?? null,
    on_behalf_of: null,
    return_url: returnUrl ?? null,
    url: `${ctx.baseUrl}/p/session/${id}`,
  };
  ctx.s.portalSessions[id] = session;
  ctx.s.portalInternal[id] = { createdAtMs: Date.now(), openedAtMs: null, flowDone: false };
  return session;
}
