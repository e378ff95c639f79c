/**
 * What a handler's result becomes before it is sent: `expand[]` paths resolved within the
 * request's mode, and includable fields (`currency_options`) added where asked for.
 */
import type { Ctx } from "../engine/request-context";
import type { Resolver } from "../http/expand";
import { currencyOptionsOf } from "../resources/prices";
import { couponCurrencyOptionsOf, couponOfDiscount } from "../resources/coupons";

/** Expand resolution by id prefix, within the request's mode only. */
export function resolver(ctx: Ctx): Resolver {
  const s = ctx.s;
  return (ref, field) => {
    // Coupon ids are chosen by the account, so only the field says an id is one.
    if (field === "coupon") return couponOfDiscount(ctx, ref);
    if (ref.startsWith("di_")) return s.discounts[ref];
    if (ref.startsWith("promo_")) return s.promotionCodes[ref];
    if (ref.startsWith("cus_"))
      return (
        s.customers[ref] ??
        (s.deletedCustomers[ref] ? { id: ref, object: "customer", deleted: true } : undefined)
      );
    if (ref.startsWith("pm_")) return s.paymentMethods[ref];
    if (ref.startsWith("pi_")) return s.paymentIntents[ref];
    if (ref.startsWith("in_")) return s.invoices[ref];
    // Before `sub_`: schedule ids start with `sub_sched_`.
    if (ref.startsWith("sub_sched_")) return s.subscriptionSchedules[ref];
    if (ref.startsWith("sub_")) return s.subscriptions[ref];
    if (ref.startsWith("prod_")) return s.products[ref];
    if (ref.startsWith("price_")) return s.prices[ref];
    if (ref.startsWith("cs_")) return s.checkoutSessions[ref];
    if (ref.startsWith("bpc_")) return s.portalConfigurations[ref];
    if (ref.startsWith("clock_")) return s.testClocks[ref];
    return s.products[ref] ?? s.prices[ref];
  };
}

/**
 * `currency_options` is an includable field: only present on prices when expanded
 * (`expand[]=currency_options`, `data.currency_options`, `items.data.price.currency_options`…).
 * The stored price objects never carry it, so responses are copies with it added.
 */
export function includeCurrencyOptions(ctx: Ctx, value: unknown, paths: string[]): unknown {
  let out = value;
  for (const path of paths) {
    const segments = path.split(".").slice(0, -1);
    const walk = (v: unknown, rest: string[]): unknown => {
      if (Array.isArray(v)) return v.map((x) => walk(x, rest));
      if (typeof v !== "object" || v === null) return v;
      const record = v as Record<string, unknown>;
      const [head, ...tail] = rest;
      if (head === undefined) {
        const id = record.id;
        const price =
          typeof id === "string" && record.object === "price" ? ctx.s.prices[id] : undefined;
        if (price) return { ...record, currency_options: currencyOptionsOf(ctx, price) };
        const coupon =
          typeof id === "string" && record.object === "coupon"
            ? couponOfDiscount(ctx, id)
            : undefined;
        return coupon ? { ...record, currency_options: couponCurrencyOptionsOf(ctx, coupon) } : v;
      }
      return head in record ? { ...record, [head]: walk(record[head], tail) } : v;
    };
    out = walk(out, segments);
  }
  return out;
}
