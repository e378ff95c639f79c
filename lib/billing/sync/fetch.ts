import { listCustomerSubscriptions } from "@/lib/billing/stripe/lists";
import type Stripe from "stripe";
import { isStripeResourceMissing } from "@/lib/billing/stripe/errors";
import { idOf } from "@/lib/billing/stripe/ids";
import { defaultPaymentMethodId } from "@/lib/billing/sync/records";
import { isLiveSubscriptionStatus } from "@/lib/billing/access/current-subscription";
import { pacedStripeCall } from "@/lib/billing/sync/pace";
import { INVOICE_PAYMENT_EXPAND, withPaymentIntents } from "@/lib/billing/sync/payment-action";
import {
  couponsNeedingCurrencyOptions,
  schedulePriceIds,
} from "@/lib/billing/sync/subscription-terms";
import { getStripe } from "@/lib/stripe";

/** How many of the newest invoices each sync mirrors (the billing page shows recent ones). */
export const INVOICE_WINDOW = 24;

/** Stripe's current state of one customer: everything a sync writes. */
export type Snapshot = {
  customer: Stripe.Customer | Stripe.DeletedCustomer;
  subscriptions: Stripe.Subscription[];
  /** Subscriptions we had that Stripe no longer returns at all (never happens in practice). */
  vanishedSubscriptionIds: string[];
  invoices: Stripe.Invoice[];
  /** Our invoices newer than this (and absent from `invoices`) no longer exist in Stripe. */
  invoiceWindowStart: number | null;
  paymentMethod: Stripe.PaymentMethod | null;
  /** Each subscription's attached schedule, by subscription id. */
  schedules: Map<string, Stripe.SubscriptionSchedule>;
  /**
   * Prices the subscriptions name without the detail the page needs: a schedule phase's price
   * (Stripe expands at most four levels) and currency options of a multi-currency price.
   */
  prices: Map<string, Stripe.Price>;
  /** Coupons of fixed-amount discounts in another currency, with their currency options. */
  coupons: Map<string, Stripe.Coupon>;
};

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  return pacedStripeCall(call).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/**
 * Reads a customer's state from Stripe: three reads at once (the customer with its default
 * payment method expanded, all its subscriptions with theirs, its newest invoices), plus one
 * retrieve per known subscription that the list no longer returns. Never inside a database
 * transaction: this is the slow part, and it must hold no connection.
 */
export async function fetchSnapshot(
  customerId: string,
  knownSubscriptionIds: readonly string[],
): Promise<Snapshot> {
  const stripe = getStripe();
  const [customerRead, subscriptionsRead, invoicesRead] = await Promise.all([
    settle(() =>
      // `test_clock`: a test-mode customer on a test clock bills at the clock's frozen time.
      stripe.customers.retrieve(customerId, {
        expand: ["invoice_settings.default_payment_method", "test_clock"],
      }),
    ),
    settle(() =>
      listCustomerSubscriptions(stripe, customerId, [
        "data.default_payment_method",
        "data.schedule",
        "data.discounts.source.coupon",
      ]),
    ),
    settle(() =>
      stripe.invoices.list({
        customer: customerId,
        limit: INVOICE_WINDOW,
        expand: [INVOICE_PAYMENT_EXPAND],
      }),
    ),
  ]);
  if (!customerRead.ok) throw customerRead.error;
  const customer = customerRead.value;

  // A deleted customer may no longer list its objects; anything else that failed is a failure.
  const orEmpty = <T>(read: Outcome<T>, empty: T): T => {
    if (read.ok) return read.value;
    if (customer.deleted && isStripeResourceMissing(read.error)) return empty;
    throw read.error;
  };
  const subscriptions = [...orEmpty(subscriptionsRead, [])];

  // A subscription we know that the list did not return is asked for directly: a deleted customer
  // may stop listing, but its canceled subscriptions stay retrievable.
  const listed = new Set(subscriptions.map((s) => s.id));
  const vanishedSubscriptionIds: string[] = [];
  for (const id of knownSubscriptionIds.filter((known) => !listed.has(known))) {
    try {
      subscriptions.push(await pacedStripeCall(() => stripe.subscriptions.retrieve(id)));
    } catch (error) {
      if (!isStripeResourceMissing(error)) throw error;
      vanishedSubscriptionIds.push(id);
    }
  }

  let invoices: Stripe.Invoice[] = [];
  let invoiceWindowStart: number | null = null;
  if (!customer.deleted) {
    const page = orEmpty(invoicesRead, null);
    if (page) {
      // The list cannot expand PaymentIntents (five levels): open invoices are re-read.
      invoices = await withPaymentIntents(stripe, page.data);
      invoiceWindowStart = page.has_more ? (page.data.at(-1)?.created ?? null) : 0;
    }
  }

  const schedules = await schedulesOf(subscriptions);
  return {
    customer,
    subscriptions,
    vanishedSubscriptionIds,
    invoices,
    invoiceWindowStart,
    schedules,
    prices: await pricesNamedBy(subscriptions, schedules),
    coupons: await couponsNamedBy(subscriptions),
    paymentMethod: customer.deleted ? null : defaultPaymentMethod(customer, subscriptions),
  };
}

/** Schedules of live subscriptions, expanded by the list (retrieved if a read left an id). */
async function schedulesOf(
  subscriptions: readonly Stripe.Subscription[],
): Promise<Map<string, Stripe.SubscriptionSchedule>> {
  const schedules = new Map<string, Stripe.SubscriptionSchedule>();
  for (const subscription of subscriptions) {
    const { schedule } = subscription;
    if (!schedule || !isLiveSubscriptionStatus(subscription.status)) continue;
    if (typeof schedule !== "string") {
      schedules.set(subscription.id, schedule);
      continue;
    }
    const read = await readOrSkip(`schedule ${schedule}`, () =>
      getStripe().subscriptionSchedules.retrieve(schedule),
    );
    if (read) schedules.set(subscription.id, read);
  }
  return schedules;
}

/**
 * A read that only adds detail (a schedule's prices, currency options): if Stripe no longer has
 * the object, the sync goes on without it instead of failing every time for this customer.
 */
async function readOrSkip<T>(what: string, read: () => Promise<T>): Promise<T | null> {
  try {
    return await pacedStripeCall(read);
  } catch (error) {
    if (!isStripeResourceMissing(error)) throw error;
    console.warn(`[billing] ${what} no longer exists in Stripe; synced without it`);
    return null;
  }
}

// A price's amount, currency and interval never change once created; its currency options, lookup
// key and metadata can, so a read is kept ten minutes per process.
const PRICE_CACHE_MS = 10 * 60_000;
const priceCache = new Map<string, { at: number; price: Stripe.Price }>();

async function pricesNamedBy(
  subscriptions: readonly Stripe.Subscription[],
  schedules: ReadonlyMap<string, Stripe.SubscriptionSchedule>,
): Promise<Map<string, Stripe.Price>> {
  const ids = new Set<string>();
  for (const schedule of schedules.values())
    schedulePriceIds(schedule).forEach((id) => ids.add(id));
  for (const subscription of subscriptions) {
    for (const item of subscription.items.data) {
      // A multi-currency price bills the subscription's currency from its currency options.
      if (item.price.currency !== subscription.currency) ids.add(item.price.id);
    }
  }
  const prices = new Map<string, Stripe.Price>();
  for (const id of ids) {
    const cached = priceCache.get(id);
    if (cached && Date.now() - cached.at < PRICE_CACHE_MS) {
      prices.set(id, cached.price);
      continue;
    }
    const price = await readOrSkip(`price ${id}`, () =>
      getStripe().prices.retrieve(id, { expand: ["currency_options"] }),
    );
    if (!price) continue;
    priceCache.set(id, { at: Date.now(), price });
    prices.set(id, price);
  }
  return prices;
}

async function couponsNamedBy(
  subscriptions: readonly Stripe.Subscription[],
): Promise<Map<string, Stripe.Coupon>> {
  const coupons = new Map<string, Stripe.Coupon>();
  const ids = new Set(subscriptions.flatMap(couponsNeedingCurrencyOptions));
  for (const id of ids) {
    const coupon = await readOrSkip(`coupon ${id}`, () =>
      getStripe().coupons.retrieve(id, { expand: ["currency_options"] }),
    );
    if (coupon) coupons.set(id, coupon);
  }
  return coupons;
}

/** The default payment method, already expanded by the reads above; null once it is detached. */
function defaultPaymentMethod(
  customer: Stripe.Customer,
  subscriptions: readonly Stripe.Subscription[],
): Stripe.PaymentMethod | null {
  const id = defaultPaymentMethodId(customer, subscriptions);
  if (!id) return null;
  const candidates = [
    customer.invoice_settings.default_payment_method,
    ...subscriptions.map((s) => s.default_payment_method),
  ];
  const found = candidates.find(
    (pm): pm is Stripe.PaymentMethod => typeof pm === "object" && pm !== null && pm.id === id,
  );
  // A detached card is no longer the customer's, whatever a stale default still says.
  return found && idOf(found.customer) === customer.id ? found : null;
}
