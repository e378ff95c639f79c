import type Stripe from "stripe";
import { z } from "zod";
import { catalogEntryForPrice } from "@/lib/billing/catalog/plans";

/**
 * Pure mapping of what a subscription costs and what Stripe will change on it, from Stripe's own
 * objects: the billed unit amount (a multi-currency price bills in the subscription's currency),
 * its discounts, and the pending change (a subscription schedule's next phase, or an update that
 * waits for a payment). The rows keep them as JSON; the schemas below check them when read back.
 */

const isoDate = z.iso.datetime();

export const discountSchema = z.object({
  name: z.string().nullable(),
  percentOff: z.number().nullable(),
  amountOff: z.number().int().nullable(),
  currency: z.string().nullable(),
  /** A repeating coupon stops applying then; null for `once` and `forever`. */
  endsAt: isoDate.nullable(),
});
export type DiscountData = z.infer<typeof discountSchema>;

export const pendingChangeSchema = z.object({
  /** `schedule`: a subscription schedule's next phase; `pending_update`: waits for a payment. */
  source: z.enum(["schedule", "pending_update"]),
  /** When the change takes effect (the next phase's start); null when it waits for a payment. */
  at: isoDate.nullable(),
  /** A pending update is dropped if not paid by then. */
  expiresAt: isoDate.nullable(),
  priceId: z.string(),
  planKey: z.string().nullable(),
  interval: z.string().nullable(),
  quantity: z.number().int(),
  unitAmount: z.number().int().nullable(),
  currency: z.string().nullable(),
});
export type PendingChange = z.infer<typeof pendingChangeSchema>;

function iso(seconds: number | null | undefined): string | null {
  return typeof seconds === "number" ? new Date(seconds * 1000).toISOString() : null;
}

/** What one unit of `price` costs in `currency`: its own amount, or its currency option's. */
export function unitAmountIn(price: Stripe.Price, currency: string): number | null {
  if (price.currency === currency) return price.unit_amount;
  return price.currency_options?.[currency]?.unit_amount ?? null;
}

/** The subscription's discounts' coupons that need their currency options read (see fetch.ts). */
export function couponsNeedingCurrencyOptions(subscription: Stripe.Subscription): string[] {
  return subscription.discounts.flatMap((discount) => {
    const coupon = typeof discount === "string" ? null : discount.source.coupon;
    if (!coupon || typeof coupon === "string") return [];
    return coupon.amount_off !== null && coupon.currency !== subscription.currency
      ? [coupon.id]
      : [];
  });
}

/**
 * The subscription's own discounts whose coupon came expanded (an id-only discount cannot be
 * described). A fixed amount is taken in the subscription's currency, from the coupon's
 * currency options when it was made in another one (`coupons` holds those, read with them).
 */
export function discountsOf(
  subscription: Stripe.Subscription,
  coupons: ReadonlyMap<string, Stripe.Coupon> = new Map(),
): DiscountData[] {
  const currency = subscription.currency;
  return subscription.discounts.flatMap((discount) => {
    if (typeof discount === "string") return [];
    const expanded = discount.source.coupon;
    if (!expanded || typeof expanded === "string") return [];
    const coupon = coupons.get(expanded.id) ?? expanded;
    const amountOff =
      coupon.amount_off === null
        ? null
        : coupon.currency === currency
          ? coupon.amount_off
          : (coupon.currency_options?.[currency]?.amount_off ?? null);
    // A fixed amount with no value in this currency does not apply to this subscription.
    if (coupon.percent_off === null && amountOff === null) return [];
    return [
      {
        name: coupon.name,
        percentOff: coupon.percent_off,
        amountOff,
        currency: amountOff === null ? null : currency,
        endsAt: iso(discount.end),
      },
    ];
  });
}

type PlanLine = { price: Stripe.Price; quantity: number };

/** The line (or item) that decides the plan: the first one in the catalog, else the first one. */
export function planLine<T extends { price: Stripe.Price }>(lines: readonly T[]): T | null {
  return lines.find((line) => catalogEntryForPrice(line.price)) ?? lines[0] ?? null;
}

function linesOfItems(items: readonly Stripe.SubscriptionItem[]): PlanLine[] {
  return items.map((item) => ({ price: item.price, quantity: item.quantity ?? 1 }));
}

/** Price ids a schedule's phases name without the price object (Stripe does not expand them). */
export function schedulePriceIds(schedule: Stripe.SubscriptionSchedule): string[] {
  return schedule.phases.flatMap((phase) =>
    phase.items.flatMap((item) => (typeof item.price === "string" ? [item.price] : [])),
  );
}

function change(
  subscription: Stripe.Subscription,
  next: PlanLine | null,
  timing: Pick<PendingChange, "source" | "at" | "expiresAt">,
): PendingChange | null {
  const current = planLine(linesOfItems(subscription.items.data));
  if (!next) return null;
  if (current && current.price.id === next.price.id && current.quantity === next.quantity) {
    return null;
  }
  return {
    ...timing,
    priceId: next.price.id,
    planKey: catalogEntryForPrice(next.price)?.plan.key ?? null,
    interval: next.price.recurring?.interval ?? null,
    quantity: next.quantity,
    unitAmount: unitAmountIn(next.price, subscription.currency),
    currency: subscription.currency,
  };
}

/**
 * The plan change Stripe will make on its own, if any: an update waiting for its payment first,
 * else the next phase of an attached schedule (a period-end downgrade made in the portal is one)
 * when it bills a different plan line. `prices` resolves the phase's price ids.
 */
export function pendingChangeOf(
  subscription: Stripe.Subscription,
  schedule: Stripe.SubscriptionSchedule | null,
  prices: ReadonlyMap<string, Stripe.Price>,
): PendingChange | null {
  const pending = subscription.pending_update;
  if (pending?.subscription_items) {
    const found = change(subscription, planLine(linesOfItems(pending.subscription_items)), {
      source: "pending_update",
      at: null,
      expiresAt: iso(pending.expires_at),
    });
    if (found) return found;
  }
  if (!schedule || schedule.status !== "active" || !schedule.current_phase) return null;
  const boundary = schedule.current_phase.end_date;
  const nextPhase = schedule.phases.find((phase) => phase.start_date >= boundary);
  if (!nextPhase) return null;
  const lines = nextPhase.items.flatMap((item): PlanLine[] => {
    const price = typeof item.price === "string" ? prices.get(item.price) : item.price;
    // A deleted price (or one we could not read) cannot be described; Stripe will still bill it.
    if (!price || "deleted" in price) return [];
    return [{ price, quantity: item.quantity ?? 1 }];
  });
  return change(subscription, planLine(lines), {
    source: "schedule",
    at: iso(nextPhase.start_date),
    expiresAt: null,
  });
}

/** Reads a stored JSON value back; anything malformed counts as absent (and is logged). */
export function parseStored<T>(schema: z.ZodType<T>, value: unknown, what: string): T | null {
  if (value === null || value === undefined) return null;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  console.error(`[billing] stored ${what} is malformed; ignored: ${parsed.error.message}`);
  return null;
}
