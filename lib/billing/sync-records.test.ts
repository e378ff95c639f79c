import { describe, expect, it } from "vitest";
import {
  defaultPaymentMethodId,
  invoiceData,
  paymentMethodData,
  subscriptionData,
} from "@/lib/billing/sync-records";
import {
  card,
  customer,
  invoice,
  price,
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
