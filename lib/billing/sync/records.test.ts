import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  defaultPaymentMethodId,
  invoiceData,
  paymentMethodData,
  subscriptionData,
} from "@/lib/billing/sync/records";
import {
  card,
  customer,
  invoice,
  price,
  schedule,
  subscription,
} from "@/lib/billing/testing/stripe-fixtures";

describe("subscriptionData", () => {
  it("takes the billing period from the subscription item", () => {
    const sub = subscription({}, { start: 1_770_000_000, end: 1_772_592_000, quantity: 3 });
    const data = subscriptionData(sub, []);
    expect(data.currentPeriodStart).toEqual(new Date(1_770_000_000_000));
    expect(data.currentPeriodEnd).toEqual(new Date(1_772_592_000_000));
    expect(data.quantity).toBe(3);
    expect(data).toMatchObject({ planKey: "pro", interval: "month", unknownPrice: false });
    expect(data.productId).toBe("prod_test");
  });

  it("records and flags a price outside the catalog instead of guessing a plan", () => {
    const legacy = price({ lookup_key: "legacy_gold", id: "price_legacy" });
    const data = subscriptionData(subscription({}, { price: legacy }), []);
    expect(data).toMatchObject({
      priceId: "price_legacy",
      priceLookupKey: "legacy_gold",
      planKey: null,
      unknownPrice: true,
    });
  });

  it("keeps both ways of scheduling a cancellation", () => {
    const data = subscriptionData(
      subscription({
        cancel_at: 1_775_000_000,
        cancel_at_period_end: false,
        canceled_at: 1_770_000_100,
      }),
      [],
    );
    expect(data.cancelAt).toEqual(new Date(1_775_000_000_000));
    expect(data.cancelAtPeriodEnd).toBe(false);
    expect(data.canceledAt).toEqual(new Date(1_770_000_100_000));
  });

  it("starts the grace period at the oldest open invoice of a past_due subscription", () => {
    const sub = subscription({ status: "past_due" });
    const invoices = [
      invoice({ subscription: sub.id, status: "open", created: 1_770_500_000 }),
      invoice({ subscription: sub.id, status: "open", created: 1_770_400_000 }),
      invoice({ subscription: sub.id, status: "paid", created: 1_760_000_000 }),
      invoice({ subscription: "sub_other", status: "open", created: 1_700_000_000 }),
    ];
    expect(subscriptionData(sub, invoices).pastDueSince).toEqual(new Date(1_770_400_000_000));
    expect(subscriptionData(subscription(), invoices).pastDueSince).toBeNull();
  });
});

describe("invoiceData", () => {
  it("finds the subscription under parent.subscription_details", () => {
    const data = invoiceData(
      invoice({ subscription: "sub_123", number: "N-1", status: "open", amount_paid: 0 }),
    );
    expect(data).toMatchObject({
      subscriptionId: "sub_123",
      number: "N-1",
      status: "open",
      amountPaid: 0,
    });
    expect(invoiceData(invoice()).subscriptionId).toBeNull();
  });
});

describe("payment method summary", () => {
  it("summarizes a card", () => {
    expect(paymentMethodData(card({ brand: "mastercard", last4: "4444" }))).toMatchObject({
      paymentMethodType: "card",
      cardBrand: "mastercard",
      cardLast4: "4444",
      cardExpMonth: 12,
      cardExpYear: 2030,
    });
    expect(paymentMethodData(null).defaultPaymentMethodId).toBeNull();
  });

  it("prefers the customer's default, then the current subscription's", () => {
    const withDefault = customer({
      invoice_settings: {
        custom_fields: null,
        default_payment_method: "pm_c",
        footer: null,
        rendering_options: null,
      },
    });
    const subs = [
      subscription({
        status: "canceled",
        default_payment_method: "pm_old",
        created: 1_780_000_000,
      }),
      subscription({ status: "active", default_payment_method: "pm_s" }),
    ];
    expect(defaultPaymentMethodId(withDefault, subs)).toBe("pm_c");
    expect(defaultPaymentMethodId(customer(), subs)).toBe("pm_s");
    expect(defaultPaymentMethodId(customer(), [])).toBeNull();
  });
});

describe("subscriptionData: what Stripe bills and will change", () => {
  const boundary = 1_769_904_000; // 2026-02-01
  const team = price({ id: "price_team_m", lookup_key: "team_monthly", unit_amount: 2900 });
  const proMonthly = price({ id: "price_pro_m", lookup_key: "pro_monthly", unit_amount: 1200 });

  it("takes the amount, currency and tax setting from Stripe's objects", () => {
    const sub = subscription(
      { automatic_tax: { disabled_reason: null, enabled: true, liability: null } },
      { price: price({ unit_amount: 1500 }), quantity: 2 },
    );
    expect(subscriptionData(sub, [])).toMatchObject({
      unitAmount: 1500,
      quantity: 2,
      currency: "usd",
      automaticTax: true,
      pendingChange: null,
    });
  });

  it("a multi-currency price bills the subscription's currency from its currency options", () => {
    const multi = price({ id: "price_multi", unit_amount: 1200 });
    const sub = subscription({ currency: "huf" }, { price: multi });
    const withOptions = {
      ...multi,
      currency_options: {
        huf: { unit_amount: 450_000 } as Stripe.Price.CurrencyOptions,
      },
    };
    const data = subscriptionData(sub, [], {
      schedule: null,
      prices: new Map([[multi.id, withOptions]]),
    });
    expect(data).toMatchObject({ unitAmount: 450_000, currency: "huf", planKey: "pro" });
  });

  it("a schedule's next phase on another plan is the pending change, dated", () => {
    const sub = subscription({ schedule: "sub_sched_1" }, { price: team });
    const data = subscriptionData(sub, [], {
      schedule: schedule(sub.id, boundary, { price: proMonthly.id }),
      prices: new Map([[proMonthly.id, proMonthly]]),
    });
    expect(data.scheduleId).toBe("sub_sched_1");
    expect(data.pendingChange).toEqual({
      source: "schedule",
      at: new Date(boundary * 1000).toISOString(),
      expiresAt: null,
      priceId: proMonthly.id,
      planKey: "pro",
      interval: "month",
      quantity: 1,
      unitAmount: 1200,
      currency: "usd",
    });
  });

  it("a schedule whose next phase bills the same line changes nothing", () => {
    const sub = subscription({}, { price: team });
    const data = subscriptionData(sub, [], {
      schedule: schedule(sub.id, boundary, { price: team }),
      prices: new Map(),
    });
    expect(data.pendingChange).toBeNull();
  });

  it("a released or completed schedule has no pending change", () => {
    const sub = subscription({}, { price: team });
    for (const status of ["released", "completed", "canceled"] as const) {
      const data = subscriptionData(sub, [], {
        schedule: schedule(sub.id, boundary, { price: proMonthly }, { status }),
        prices: new Map(),
      });
      expect(data.pendingChange).toBeNull();
    }
  });

  it("an update waiting for its payment is a pending change with its deadline", () => {
    const sub = subscription(
      {
        pending_update: {
          billing_cycle_anchor: null,
          discounts: null,
          expires_at: boundary,
          subscription_items: [
            { id: "si_new", price: proMonthly, quantity: 1 } as Stripe.SubscriptionItem,
          ],
          trial_end: null,
          trial_from_plan: null,
        } as unknown as Stripe.Subscription.PendingUpdate,
      },
      { price: team },
    );
    expect(subscriptionData(sub, []).pendingChange).toMatchObject({
      source: "pending_update",
      at: null,
      expiresAt: new Date(boundary * 1000).toISOString(),
      planKey: "pro",
    });
  });

  it("a fixed-amount coupon made in another currency applies in the subscription's", () => {
    const usdCoupon = {
      id: "FIVE",
      name: null,
      percent_off: null,
      amount_off: 500,
      currency: "usd",
    } as Stripe.Coupon;
    const sub = subscription({
      currency: "eur",
      discounts: [
        { id: "di_1", end: null, source: { type: "coupon", coupon: usdCoupon } } as Stripe.Discount,
      ],
    });
    // Without its currency options the amount in euros is unknown: not applied, not shown.
    expect(subscriptionData(sub, []).discounts).toEqual([]);
    const withOptions = {
      ...usdCoupon,
      currency_options: { eur: { amount_off: 450 } },
    } as Stripe.Coupon;
    const data = subscriptionData(sub, [], {
      schedule: null,
      prices: new Map(),
      coupons: new Map([["FIVE", withOptions]]),
    });
    expect(data.discounts).toEqual([
      { name: null, percentOff: null, amountOff: 450, currency: "eur", endsAt: null },
    ]);
  });

  it("tax is 'on top' only for an exclusive price", () => {
    const taxed = { automatic_tax: { disabled_reason: null, enabled: true, liability: null } };
    const inclusive = price({ tax_behavior: "inclusive" });
    const exclusive = price({ tax_behavior: "exclusive" });
    expect(subscriptionData(subscription(taxed, { price: inclusive }), []).automaticTax).toBe(
      false,
    );
    expect(subscriptionData(subscription(taxed, { price: exclusive }), []).automaticTax).toBe(true);
  });

  it("describes discounts whose coupon is expanded", () => {
    const sub = subscription({
      discounts: [
        {
          id: "di_1",
          end: boundary,
          source: {
            type: "coupon",
            coupon: {
              id: "LAUNCH",
              name: "Launch",
              percent_off: 20,
              amount_off: null,
              currency: null,
            } as Stripe.Coupon,
          },
        } as Stripe.Discount,
        "di_not_expanded",
      ],
    });
    expect(subscriptionData(sub, []).discounts).toEqual([
      {
        name: "Launch",
        percentOff: 20,
        amountOff: null,
        currency: null,
        endsAt: new Date(boundary * 1000).toISOString(),
      },
    ]);
  });
});
