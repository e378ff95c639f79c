/** Prices: lookup keys, inline `product_data`, `currency_options` (products are in products.ts). */
import type Stripe from "stripe";
import type { Ctx } from "../engine/request-context";
import { diff } from "../engine/request-context";
import { checkChargeableAmount, parseCurrency } from "./currency";
import { badRequest, invalid, missing, noSuch } from "../http/errors";
import { paginate } from "../http/list";
import {
  allowOnly,
  applyMetadata,
  bool,
  int,
  obj,
  oneOf,
  reqStr,
  str,
  strArr,
  type Params,
} from "../http/params";
import { newId, newestFirst, refreshPriceCopies } from "../engine/store";
import { productFactory, getProduct } from "./products";

export function priceFactory(
  ctx: Ctx,
  f: {
    product: string;
    currency: string;
    unit_amount: number;
    recurring: { interval: Stripe.Price.Recurring.Interval; interval_count: number } | null;
    lookup_key?: string | null;
    nickname?: string | null;
    metadata?: Record<string, string>;
  },
): Stripe.Price {
  return {
    id: newId("price"),
    object: "price",
    active: true,
    billing_scheme: "per_unit",
    created: ctx.now,
    currency: f.currency,
    custom_unit_amount: null,
    livemode: ctx.mode === "live",
    lookup_key: f.lookup_key ?? null,
    metadata: f.metadata ?? {},
    nickname: f.nickname ?? null,
    product: f.product,
    recurring: f.recurring
      ? {
          interval: f.recurring.interval,
          interval_count: f.recurring.interval_count,
          meter: null,
          trial_period_days: null,
          usage_type: "licensed",
        }
      : null,
    tax_behavior: "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: f.recurring ? "recurring" : "one_time",
    unit_amount: f.unit_amount,
    unit_amount_decimal: null,
  };
}

export function getPrice(ctx: Ctx, id: string, param = "id"): Stripe.Price {
  const p = ctx.s.prices[id];
  if (!p) throw noSuch("price", id, param);
  return p;
}

const INTERVALS = ["day", "week", "month", "year"] as const;
const TAX_BEHAVIORS = ["exclusive", "inclusive", "unspecified"] as const;

/**
 * Parses `currency_options[<cur>][unit_amount|tax_behavior]` into `into` (Stripe's currency
 * options besides the price's own currency, which may only repeat the price's own amount).
 */
function applyCurrencyOptions(
  price: Stripe.Price,
  raw: Params,
  into: Record<string, Stripe.Price.CurrencyOptions>,
): void {
  for (const [key, value] of Object.entries(raw)) {
    const param = `currency_options[${key}]`;
    const cur = parseCurrency(key, param);
    if (typeof value !== "object" || Array.isArray(value)) throw invalid(param);
    for (const k of Object.keys(value)) {
      if (k !== "unit_amount" && k !== "tax_behavior")
        throw invalid(
          `${param}[${k}]`,
          `The local Stripe emulator supports only unit_amount and tax_behavior in ${param}.`,
        );
    }
    const amount = int(value, "unit_amount", `${param}[unit_amount]`);
    if (amount === undefined) throw missing(`${param}[unit_amount]`);
    if (amount < 0)
      throw invalid(`${param}[unit_amount]`, "This value must be greater than or equal to 0.");
    checkChargeableAmount(amount, cur, `${param}[unit_amount]`);
    if (cur === price.currency) {
      if (amount !== price.unit_amount)
        throw invalid(
          param,
          `The currency option for ${cur} must match the price's own currency and unit_amount.`,
        );
      continue;
    }
    into[cur] = {
      custom_unit_amount: null,
      tax_behavior:
        oneOf(value, "tax_behavior", TAX_BEHAVIORS, `${param}[tax_behavior]`) ?? "unspecified",
      unit_amount: amount,
      unit_amount_decimal: null,
    };
  }
}

/**
 * Every currency the price can be charged in, its own first (what Stripe returns for
 * `expand[]=currency_options`).
 */
export function currencyOptionsOf(
  ctx: Ctx,
  price: Stripe.Price,
): Record<string, Stripe.Price.CurrencyOptions> {
  return {
    [price.currency]: {
      custom_unit_amount: null,
      tax_behavior: price.tax_behavior,
      unit_amount: price.unit_amount,
      unit_amount_decimal: null,
    },
    ...(ctx.s.priceCurrencyOptions[price.id] ?? {}),
  };
}

/** Whether the price can be charged in `currency` (its own, or one of its currency_options). */
export function priceSupports(ctx: Ctx, price: Stripe.Price, currency: string): boolean {
  return price.currency === currency || Boolean(ctx.s.priceCurrencyOptions[price.id]?.[currency]);
}

/** The price's unit amount in `currency`; throws Stripe's 400 when it has no such option. */
export function unitAmountIn(
  ctx: Ctx,
  price: Stripe.Price,
  currency: string,
  param = "currency",
): number {
  if (price.currency === currency) return price.unit_amount ?? 0;
  const option = ctx.s.priceCurrencyOptions[price.id]?.[currency];
  if (!option)
    throw invalid(
      param,
      `The price \`${price.id}\` does not support the currency \`${currency}\`: add it to the price's currency_options, or use a price in ${currency}.`,
    );
  return option.unit_amount ?? 0;
}

/** Moves a lookup key to `target` (transfer_lookup_key), emitting price.updated for the loser. */
function claimLookupKey(ctx: Ctx, key: string, target: Stripe.Price, transfer: boolean): void {
  const holder = Object.values(ctx.s.prices).find((x) => x.lookup_key === key && x !== target);
  if (!holder) return;
  if (!transfer) {
    throw badRequest(
      `A price (\`${holder.id}\`) already uses that lookup key.`,
      "lookup_key",
      "lookup_key_already_exists",
    );
  }
  const before = structuredClone(holder);
  holder.lookup_key = null;
  // Stripe: every subscription item on the old price now shows `lookup_key: null` too.
  refreshPriceCopies(ctx.s, holder.id);
  ctx.emit("price.updated", structuredClone(holder), diff(before, holder));
}

export function createPrice(ctx: Ctx, p: Params): Stripe.Price {
  allowOnly(p, [
    "currency",
    "unit_amount",
    "product",
    "product_data",
    "recurring",
    "lookup_key",
    "transfer_lookup_key",
    "nickname",
    "metadata",
    "active",
    "currency_options",
    "tax_behavior",
  ]);
  const currency = parseCurrency(reqStr(p, "currency"), "currency");
  const unitAmount = int(p, "unit_amount");
  if (unitAmount === undefined) throw missing("unit_amount");
  if (unitAmount < 0)
    throw invalid("unit_amount", "This value must be greater than or equal to 0.");
  checkChargeableAmount(unitAmount, currency, "unit_amount");
  let productId = str(p, "product");
  const productData = obj(p, "product_data");
  if (!productId && productData) {
    const product = productFactory(ctx, {
      name: reqStr(productData, "name", "product_data[name]"),
      metadata: applyMetadata({}, productData),
    });
    ctx.s.products[product.id] = product;
    ctx.emit("product.created", structuredClone(product));
    productId = product.id;
  }
  if (!productId) throw missing("product");
  getProduct(ctx, productId, "product");
  const rec = obj(p, "recurring");
  const interval = rec ? oneOf(rec, "interval", INTERVALS, "recurring[interval]") : undefined;
  if (rec && !interval) throw missing("recurring[interval]");
  const price = priceFactory(ctx, {
    product: productId,
    currency,
    unit_amount: unitAmount,
    recurring:
      rec && interval
        ? { interval, interval_count: int(rec, "interval_count", "recurring[interval_count]") ?? 1 }
        : null,
    lookup_key: null,
    nickname: str(p, "nickname") ?? null,
    metadata: applyMetadata({}, p),
  });
  price.active = bool(p, "active") ?? true;
  price.tax_behavior = oneOf(p, "tax_behavior", TAX_BEHAVIORS) ?? "unspecified";
  const options: Record<string, Stripe.Price.CurrencyOptions> = {};
  const rawOptions = obj(p, "currency_options");
  if (rawOptions) applyCurrencyOptions(price, rawOptions, options);
  const lookupKey = str(p, "lookup_key");
  if (lookupKey) {
    claimLookupKey(ctx, lookupKey, price, bool(p, "transfer_lookup_key") ?? false);
    price.lookup_key = lookupKey;
  }
  ctx.s.prices[price.id] = price;
  if (Object.keys(options).length) ctx.s.priceCurrencyOptions[price.id] = options;
  ctx.emit("price.created", structuredClone(price));
  return price;
}

export function updatePrice(ctx: Ctx, id: string, p: Params): Stripe.Price {
  allowOnly(p, [
    "active",
    "lookup_key",
    "transfer_lookup_key",
    "nickname",
    "metadata",
    "currency_options",
  ]);
  const price = getPrice(ctx, id);
  const before = structuredClone(price);
  if (p.currency_options === "") delete ctx.s.priceCurrencyOptions[price.id];
  else {
    const rawOptions = obj(p, "currency_options");
    if (rawOptions) {
      const options = { ...(ctx.s.priceCurrencyOptions[price.id] ?? {}) };
      applyCurrencyOptions(price, rawOptions, options);
      ctx.s.priceCurrencyOptions[price.id] = options;
    }
  }
  const active = bool(p, "active");
  if (active !== undefined) price.active = active;
  const nickname = str(p, "nickname");
  if (nickname !== undefined) price.nickname = nickname || null;
  const lookupKey = str(p, "lookup_key");
  if (lookupKey !== undefined) {
    if (lookupKey) claimLookupKey(ctx, lookupKey, price, bool(p, "transfer_lookup_key") ?? false);
    price.lookup_key = lookupKey || null;
  }
  price.metadata = applyMetadata(price.metadata, p);
  const changes = diff(before, price);
  if (Object.keys(changes).length) {
    refreshPriceCopies(ctx.s, price.id);
    ctx.emit("price.updated", structuredClone(price), changes);
  }
  return price;
}

export function listPrices(ctx: Ctx, p: Params): Stripe.ApiList<Stripe.Price> {
  const active = bool(p, "active");
  const product = str(p, "product");
  const lookupKeys = strArr(p, "lookup_keys");
  // Stripe's own limit and wording (the SDK raises it as StripeInvalidRequestError).
  if (lookupKeys && lookupKeys.length > 10) {
    throw badRequest("Array lookup_keys exceeded maximum 10 allowed elements.", "lookup_keys");
  }
  const type = str(p, "type");
  const currency = str(p, "currency");
  const all = newestFirst(ctx.s.prices).filter(
    (x) =>
      (active === undefined || x.active === active) &&
      (!product || x.product === product) &&
      (!lookupKeys || (x.lookup_key !== null && lookupKeys.includes(x.lookup_key))) &&
      (!type || x.type === type) &&
      (!currency || x.currency === currency),
  );
  return paginate(all, p, "/v1/prices");
}
