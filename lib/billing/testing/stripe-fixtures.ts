import type Stripe from "stripe";

/**
 * Minimal Stripe objects for unit tests of pure functions. Only the fields the billing code reads
 * are filled in; the single cast per builder is confined to this test helper.
 */

let seq = 0;
const nextId = (prefix: string) => `${prefix}_test${(++seq).toString().padStart(6, "0")}`;

export function price(overrides: Partial<Stripe.Price> = {}): Stripe.Price {
  return {
    id: nextId("price"),
    object: "price",
    active: true,
    currency: "usd",
    livemode: false,
    lookup_key: "pro_monthly",
    product: "prod_test",
    recurring: {
      interval: "month",
      interval_count: 1,
      meter: null,
      trial_period_days: null,
      usage_type: "licensed",
    },
    type: "recurring",
    unit_amount: 1200,
    ...overrides,
  } as Stripe.Price;
}

export function subscription(
  overrides: Partial<Stripe.Subscription> = {},
  item: { price?: Stripe.Price; quantity?: number; start?: number; end?: number } = {},
): Stripe.Subscription {
  const id = overrides.id ?? nextId("sub");
  const start = item.start ?? 1_767_225_600; // 2026-01-01
  return {
    id,
    object: "subscription",
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    created: start,
    currency: "usd",
    customer: "cus_test",
    default_payment_method: null,
    discounts: [],
    ended_at: null,
    items: {
      object: "list",
      data: [
        {
          id: nextId("si"),
          object: "subscription_item",
          current_period_start: start,
          current_period_end: item.end ?? start + 31 * 86_400,
          price: item.price ?? price(),
          quantity: item.quantity ?? 1,
          subscription: id,
        } as Stripe.SubscriptionItem,
      ],
      has_more: false,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    livemode: false,
    pending_update: null,
    schedule: null,
    status: "active",
    trial_end: null,
    trial_start: null,
    ...overrides,
  } as Stripe.Subscription;
}

export function invoice(
  overrides: Partial<Stripe.Invoice> & { subscription?: string } = {},
): Stripe.Invoice {
  const { subscription: subscriptionId, ...rest } = overrides;
  return {
    id: nextId("in"),
    object: "invoice",
    amount_due: 1200,
    amount_paid: 1200,
    created: 1_767_225_600,
    currency: "usd",
    customer: "cus_test",
    hosted_invoice_url: "https://invoice.example/i",
    invoice_pdf: "https://invoice.example/i.pdf",
    livemode: false,
    number: "ABC-0001",
    parent: subscriptionId
      ? {
          type: "subscription_details",
          quote_details: null,
          subscription_details: { metadata: null, subscription: subscriptionId },
        }
      : null,
    status: "paid",
    total: 1200,
    ...rest,
  } as Stripe.Invoice;
}

export function customer(overrides: Partial<Stripe.Customer> = {}): Stripe.Customer {
  return {
    id: nextId("cus"),
    object: "customer",
    email: "billing@example.com",
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: {},
    name: null,
    ...overrides,
  } as Stripe.Customer;
}

export function card(overrides: Partial<Stripe.PaymentMethod.Card> = {}): Stripe.PaymentMethod {
  return {
    id: nextId("pm"),
    object: "payment_method",
    customer: "cus_test",
    type: "card",
    card: { brand: "visa", last4: "4242", exp_month: 12, exp_year: 2030, ...overrides },
    livemode: false,
  } as Stripe.PaymentMethod;
}

/** A schedule whose current phase ends at `boundary`, then bills `next` (a period-end change). */
export function schedule(
  subscriptionId: string,
  boundary: number,
  next: { price: string | Stripe.Price; quantity?: number },
  overrides: Partial<Stripe.SubscriptionSchedule> = {},
): Stripe.SubscriptionSchedule {
  const phase = (
    start: number,
    end: number,
    item: { price: string | Stripe.Price; quantity?: number },
  ) =>
    ({
      start_date: start,
      end_date: end,
      items: [{ price: item.price, quantity: item.quantity ?? 1 }],
    }) as Stripe.SubscriptionSchedule.Phase;
  return {
    id: nextId("sub_sched"),
    object: "subscription_schedule",
    customer: "cus_test",
    subscription: subscriptionId,
    status: "active",
    end_behavior: "release",
    current_phase: { start_date: boundary - 31 * 86_400, end_date: boundary },
    phases: [
      phase(boundary - 31 * 86_400, boundary, { price: "price_current" }),
      phase(boundary, boundary + 31 * 86_400, next),
    ],
    livemode: false,
    ...overrides,
  } as Stripe.SubscriptionSchedule;
}
