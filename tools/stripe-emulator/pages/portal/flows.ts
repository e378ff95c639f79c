/**
 * Hosted portal: the rules of its flows (deep links, period-end changes, the own-subscription
 * check), apart from the HTML.
 */
import type Stripe from "stripe";
import type { Ctx } from "../../engine/request-context";
import { diff } from "../../engine/request-context";
import type { EmulatorCore } from "../../engine/emulator-core";
import { unitAmountIn } from "../../resources/prices";
import {
  attachSchedule,
  attachedSchedule,
  phaseFactory,
  releaseSchedule,
} from "../../resources/subscription-schedules";
import {
  customerIdOf,
  isLive,
  nextPeriodEnd,
  periodOf,
} from "../../resources/subscriptions/subscriptions";
import type { PortalSessionInternal } from "../../engine/store";
import { cancelPage, updatePage, confirmPage, cardPage, customerPage } from "./action-pages";

export const REASON_LABELS: Record<string, string> = {
  too_expensive: "It's too expensive",
  missing_features: "Some features are missing",
  switched_service: "I'm switching to a different service",
  unused: "I don't use the service enough",
  customer_service: "Customer service was less than expected",
  too_complex: "Ease of use was less than expected",
  low_quality: "Quality was less than expected",
  other: "Other reason",
};

export interface Portal {
  core: EmulatorCore;
  ctx: Ctx;
  session: Stripe.BillingPortal.Session;
  internal: PortalSessionInternal;
  config: Stripe.BillingPortal.Configuration;
  customer: Stripe.Customer;
  base: string;
}

export function subscriptionsOf(p: Portal): Stripe.Subscription[] {
  return Object.values(p.ctx.s.subscriptions)
    .filter((s) => customerIdOf(s) === p.customer.id && isLive(s))
    .reverse();
}

/** Length of a price's interval, comparable across units (months and years exactly). */
export function intervalLength(pr: Stripe.Price): number {
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
export function waitsForPeriodEnd(
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
export function scheduleChange(
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
export function releaseAttached(p: Portal, sub: Stripe.Subscription): void {
  const sched = attachedSchedule(p.ctx, sub);
  if (sched) releaseSchedule(p.ctx, sched);
}

export function flowActive(p: Portal): boolean {
  return p.session.flow !== null && !p.internal.flowDone;
}

/** Root of a flow session: only the flow's action is shown. */
export function flowRoot(p: Portal): string | null {
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

export function ownSubscription(p: Portal, id: string): Stripe.Subscription | null {
  const sub = p.ctx.s.subscriptions[id];
  // Only the session's customer may act on a subscription, and only a live one.
  return sub && customerIdOf(sub) === p.customer.id && isLive(sub) ? sub : null;
}

export function setDefaultCard(p: Portal, pmId: string): void {
  const c = p.customer;
  const before = structuredClone(c);
  c.invoice_settings.default_payment_method = pmId;
  const changes = diff(before, c);
  if (Object.keys(changes).length) p.ctx.emit("customer.updated", structuredClone(c), changes);
  // Like Stripe: only the customer's invoice default. A subscription's own default_payment_method
  // (Checkout sets one) still wins, and no open invoice is paid here: that is the app's job.
}

/** The portal's default upper bound when a product's adjustable_quantity has no maximum. */
export const PORTAL_MAX_QUANTITY = 99;

/**
 * The quantity range the portal accepts for `price`: only with `quantity` in
 * `default_allowed_updates` and the product's `adjustable_quantity.enabled`; else null (fixed).
 */
export function quantityRule(
  config: Stripe.BillingPortal.Configuration,
  priceId: string,
): { min: number; max: number } | null {
  const su = config.features.subscription_update;
  if (!su.default_allowed_updates.includes("quantity")) return null;
  const aq = (su.products ?? []).find((x) => x.prices.includes(priceId))?.adjustable_quantity;
  if (!aq?.enabled) return null;
  return { min: aq.minimum, max: aq.maximum ?? PORTAL_MAX_QUANTITY };
}

/** The posted quantity if the configuration allows it (server-side, like Stripe's portal). */
export function chosenQuantity(
  config: Stripe.BillingPortal.Configuration,
  item: Stripe.SubscriptionItem,
  price: Stripe.Price,
  raw: string | undefined,
): { quantity: number } | { error: string } {
  const current = item.quantity ?? 1;
  if (raw === undefined || raw === "") return { quantity: current };
  const q = Number(raw);
  if (q === current) return { quantity: q };
  const rule = quantityRule(config, price.id);
  if (!rule) return { error: "The quantity of this plan cannot be changed." };
  if (!Number.isInteger(q) || q < rule.min || q > rule.max)
    return { error: `Quantity must be a whole number between ${rule.min} and ${rule.max}.` };
  return { quantity: q };
}
