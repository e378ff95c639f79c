/** Billing portal configurations, validated the way Stripe validates them (rules in rules.ts). */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { diff } from "../../engine/request-context";
import { badRequest, invalid, missing, noSuch } from "../../http/errors";
import { paginate } from "../../http/list";
import {
  allowOnly,
  applyMetadata,
  bool,
  int,
  obj,
  objArr,
  oneOf,
  reqStr,
  str,
  strArr,
  type Params,
} from "../../http/params";
import { newId, newestFirst, randomToken } from "../../engine/store";
import { checkConfiguration, checkHeadline, PRODUCTS_MAX } from "./rules";
import { getPrice } from "../prices";
import { getProduct } from "../products";
import { FEEDBACK } from "../subscriptions/cancel";

export type Config = Stripe.BillingPortal.Configuration;
type Features = Stripe.BillingPortal.Configuration.Features;

const ALLOWED_UPDATES = ["address", "email", "name", "phone", "shipping", "tax_id"] as const;
const DEFAULT_ALLOWED = ["price", "quantity", "promotion_code"] as const;
const PRORATION = ["none", "create_prorations", "always_invoice"] as const;

export function configurationFactory(ctx: Ctx): Config {
  return {
    id: newId("bpc"),
    object: "billing_portal.configuration",
    active: true,
    application: null,
    business_profile: { headline: null, privacy_policy_url: null, terms_of_service_url: null },
    created: ctx.now,
    default_return_url: null,
    features: {
      customer_update: { allowed_updates: [], enabled: false },
      invoice_history: { enabled: false },
      payment_method_update: { enabled: false, payment_method_configuration: null },
      subscription_cancel: {
        cancellation_reason: { enabled: false, feedback_options: null, options: [] },
        enabled: false,
        mode: "at_period_end",
        proration_behavior: "none",
      },
      subscription_pause: {
        duration: { interval_options: [], type: "indefinite" },
        enabled: false,
      },
      subscription_update: {
        billing_cycle_anchor: null,
        default_allowed_updates: [],
        enabled: false,
        products: [],
        proration_behavior: "none",
        schedule_at_period_end: { conditions: [] },
        trial_update_behavior: "end_trial",
      },
    },
    is_default: false,
    livemode: ctx.mode === "live",
    login_page: { enabled: false, url: null },
    metadata: {},
    name: null,
    updated: ctx.now,
  };
}

/** Applies create/update params onto a configuration (update only touches what is given). */
function applyConfigParams(ctx: Ctx, c: Config, p: Params): void {
  const bp = obj(p, "business_profile");
  if (bp) {
    for (const k of ["headline", "privacy_policy_url", "terms_of_service_url"] as const) {
      const v = str(bp, k, `business_profile[${k}]`);
      if (k === "headline" && v) checkHeadline(v);
      if (v !== undefined) c.business_profile[k] = v || null;
    }
  }
  const dru = str(p, "default_return_url");
  if (dru !== undefined) c.default_return_url = dru || null;
  const name = str(p, "name");
  if (name !== undefined) c.name = name || null;
  const active = bool(p, "active");
  if (active !== undefined) c.active = active;
  const lp = obj(p, "login_page");
  if (lp) {
    const enabled = bool(lp, "enabled", "login_page[enabled]") ?? false;
    c.login_page = {
      enabled,
      url: enabled ? (c.login_page.url ?? `${ctx.baseUrl}/p/login/${randomToken(16)}`) : null,
    };
  }
  c.metadata = applyMetadata(c.metadata, p);
  const f = obj(p, "features");
  if (!f) return;
  const features: Features = c.features;
  const cu = obj(f, "customer_update", "features[customer_update]");
  if (cu) {
    const enabled = bool(cu, "enabled", "features[customer_update][enabled]");
    if (enabled !== undefined) features.customer_update.enabled = enabled;
    const allowed = strArr(cu, "allowed_updates", "features[customer_update][allowed_updates]");
    if (allowed) {
      features.customer_update.allowed_updates = allowed.map((a, i) => {
        const ok = ALLOWED_UPDATES.find((x) => x === a);
        if (!ok) throw invalid(`features[customer_update][allowed_updates][${i}]`);
        return ok;
      });
    } else if (cu.allowed_updates === "") features.customer_update.allowed_updates = [];
  }
  const ih = obj(f, "invoice_history", "features[invoice_history]");
  if (ih) features.invoice_history.enabled = bool(ih, "enabled") ?? false;
  const pmu = obj(f, "payment_method_update", "features[payment_method_update]");
  if (pmu) features.payment_method_update.enabled = bool(pmu, "enabled") ?? false;
  const sp = obj(f, "subscription_pause", "features[subscription_pause]");
  if (sp) features.subscription_pause.enabled = bool(sp, "enabled") ?? false;
  const sc = obj(f, "subscription_cancel", "features[subscription_cancel]");
  if (sc) {
    const t = features.subscription_cancel;
    const enabled = bool(sc, "enabled");
    if (enabled !== undefined) t.enabled = enabled;
    const mode = oneOf(sc, "mode", ["at_period_end", "immediately"] as const);
    if (mode) t.mode = mode;
    const pr = oneOf(sc, "proration_behavior", PRORATION);
    if (pr) t.proration_behavior = pr;
    const cr = obj(sc, "cancellation_reason");
    if (cr) {
      const crEnabled = bool(
        cr,
        "enabled",
        "features[subscription_cancel][cancellation_reason][enabled]",
      );
      if (crEnabled === undefined)
        missing("features[subscription_cancel][cancellation_reason][enabled]");
      t.cancellation_reason.enabled = crEnabled ?? false;
      const options = strArr(cr, "options");
      if (options) {
        t.cancellation_reason.options = options.map((o, i) => {
          const ok = FEEDBACK.find((x) => x === o);
          if (!ok)
            throw invalid(`features[subscription_cancel][cancellation_reason][options][${i}]`);
          return ok;
        });
      }
      if (t.cancellation_reason.enabled && t.cancellation_reason.options.length === 0) {
        t.cancellation_reason.options = [...FEEDBACK];
      }
    }
  }
  const su = obj(f, "subscription_update", "features[subscription_update]");
  if (su) {
    const t = features.subscription_update;
    const enabled = bool(su, "enabled");
    if (enabled !== undefined) t.enabled = enabled;
    const dau = strArr(su, "default_allowed_updates");
    if (dau) {
      t.default_allowed_updates = dau.map((a, i) => {
        const ok = DEFAULT_ALLOWED.find((x) => x === a);
        if (!ok) throw invalid(`features[subscription_update][default_allowed_updates][${i}]`);
        return ok;
      });
    } else if (su.default_allowed_updates === "") t.default_allowed_updates = [];
    const products = objArr(su, "products");
    if (products) {
      if (products.length > PRODUCTS_MAX) {
        throw invalid(
          "features[subscription_update][products]",
          "You can specify up to 10 products.",
        );
      }
      t.products = products.map((pp, i) => {
        const path = `features[subscription_update][products][${i}]`;
        const product = reqStr(pp, "product", `${path}[product]`);
        getProduct(ctx, product, `${path}[product]`);
        const prices = strArr(pp, "prices", `${path}[prices]`) ?? [];
        if (prices.length === 0) throw missing(`${path}[prices]`);
        for (const [j, priceId] of prices.entries()) {
          const price = getPrice(ctx, priceId, `${path}[prices][${j}]`);
          if (price.product !== product) {
            throw invalid(
              `${path}[prices][${j}]`,
              `The price ${priceId} does not belong to product ${product}.`,
            );
          }
        }
        const aq = obj(pp, "adjustable_quantity");
        return {
          adjustable_quantity: {
            enabled: aq ? (bool(aq, "enabled") ?? false) : false,
            maximum: aq ? (int(aq, "maximum") ?? null) : null,
            minimum: aq ? (int(aq, "minimum") ?? 1) : 1,
          },
          prices,
          product,
        };
      });
    } else if (su.products === "") t.products = [];
    const pr = oneOf(su, "proration_behavior", PRORATION);
    if (pr) t.proration_behavior = pr;
    const sape = obj(su, "schedule_at_period_end");
    if (sape) {
      const conds = objArr(sape, "conditions") ?? [];
      t.schedule_at_period_end = {
        conditions: conds.map((cnd, i) => ({
          type:
            oneOf(
              cnd,
              "type",
              ["decreasing_item_amount", "shortening_interval"] as const,
              `features[subscription_update][schedule_at_period_end][conditions][${i}][type]`,
            ) ?? "decreasing_item_amount",
        })),
      };
    }
    if (t.enabled && (t.products ?? []).length === 0 && su.products !== undefined) {
      throw invalid(
        "features[subscription_update][products]",
        "At least one product is required when subscription updates are enabled.",
      );
    }
  }
}

export function getConfiguration(ctx: Ctx, id: string, param = "id"): Config {
  const c = ctx.s.portalConfigurations[id];
  if (!c) throw noSuch("configuration", id, param);
  return c;
}

const CONFIG_PARAMS = [
  "business_profile",
  "default_return_url",
  "features",
  "login_page",
  "metadata",
  "name",
  "active",
];

export function createConfiguration(ctx: Ctx, p: Params): Config {
  allowOnly(p, CONFIG_PARAMS);
  if (!obj(p, "features")) throw missing("features");
  const c = configurationFactory(ctx);
  applyConfigParams(ctx, c, p);
  checkConfiguration(c);
  // The first configuration of a mode becomes the default, like the Dashboard-saved one.
  if (!Object.values(ctx.s.portalConfigurations).some((x) => x.is_default)) c.is_default = true;
  ctx.s.portalConfigurations[c.id] = c;
  ctx.emit("billing_portal.configuration.created", structuredClone(c));
  return c;
}

export function updateConfiguration(ctx: Ctx, id: string, p: Params): Config {
  allowOnly(p, CONFIG_PARAMS);
  const stored = getConfiguration(ctx, id);
  const before = structuredClone(stored);
  // Judge the merged result on a copy: a refused update leaves the configuration as it was.
  const c = structuredClone(stored);
  applyConfigParams(ctx, c, p);
  if (c.is_default && !c.active)
    throw badRequest("The default configuration cannot be deactivated.", "active");
  checkConfiguration(c);
  Object.assign(stored, c);
  const changes = diff(before, stored);
  if (Object.keys(changes).length) {
    stored.updated = ctx.now;
    ctx.emit("billing_portal.configuration.updated", structuredClone(stored), changes);
  }
  return stored;
}

export function listConfigurations(ctx: Ctx, p: Params): Stripe.ApiList<Config> {
  const active = bool(p, "active");
  const isDefault = bool(p, "is_default");
  const all = newestFirst(ctx.s.portalConfigurations).filter(
    (c) =>
      (active === undefined || c.active === active) &&
      (isDefault === undefined || c.is_default === isDefault),
  );
  return paginate(all, p, "/v1/billing_portal/configurations");
}

/** Prices the configuration lets the customer switch to. */
export function allowedPrices(c: Config): Set<string> {
  return new Set((c.features.subscription_update.products ?? []).flatMap((x) => x.prices));
}
