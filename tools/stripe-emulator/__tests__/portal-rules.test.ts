/** Stripe's own rules for portal configurations and session flow_data, one test each. */
import Stripe from "stripe";
import { beforeEach, describe, expect, it } from "vitest";
import { setupHarness, type Catalog, type Harness } from "./helpers";

type Features = Stripe.BillingPortal.ConfigurationCreateParams.Features;

let h: Harness;
let cat: Catalog;
setupHarness((started, catalog) => {
  h = started;
  cat = catalog;
});

const update = (products = [{ product: "", prices: [""] }]): Features["subscription_update"] => ({
  enabled: true,
  default_allowed_updates: ["price"],
  products,
});

async function refused(p: Promise<unknown>): Promise<Stripe.errors.StripeInvalidRequestError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  return err as Stripe.errors.StripeInvalidRequestError;
}

describe("portal configuration rules", () => {
  it("refuses subscription updates while payment method update is disabled (create)", async () => {
    const products = [{ product: cat.basic.id, prices: [cat.basicMonthly.id] }];
    for (const features of [
      { subscription_update: update(products) },
      { subscription_update: update(products), payment_method_update: { enabled: false } },
    ]) {
      const err = await refused(h.stripe.billingPortal.configurations.create({ features }));
      expect(err.message).toBe(
        "Cannot enable subscription updates while payment method update is disabled.",
      );
    }
    expect((await h.stripe.billingPortal.configurations.list()).data).toHaveLength(0);
  });

  it("judges the merged configuration on update, and changes nothing when refused", async () => {
    const products = [{ product: cat.basic.id, prices: [cat.basicMonthly.id] }];
    const c = await h.stripe.billingPortal.configurations.create({
      features: { payment_method_update: { enabled: true }, subscription_update: update(products) },
    });
    const err = await refused(
      h.stripe.billingPortal.configurations.update(c.id, {
        features: { payment_method_update: { enabled: false } },
      }),
    );
    expect(err.message).toContain("Cannot enable subscription updates");
    const after = await h.stripe.billingPortal.configurations.retrieve(c.id);
    expect(after.features.payment_method_update.enabled).toBe(true);

    const off = await h.stripe.billingPortal.configurations.create({
      features: { invoice_history: { enabled: true } },
    });
    await refused(
      h.stripe.billingPortal.configurations.update(off.id, {
        features: { subscription_update: update(products) },
      }),
    );
    // Both in one update is fine.
    const ok = await h.stripe.billingPortal.configurations.update(off.id, {
      features: { payment_method_update: { enabled: true }, subscription_update: update(products) },
    });
    expect(ok.features.subscription_update.enabled).toBe(true);
  });

  it("allows at most 10 products in subscription_update", async () => {
    const products: { product: string; prices: string[] }[] = [];
    for (let i = 0; i < 11; i++) {
      const p = await h.stripe.products.create({ name: `P${i}` });
      const price = await h.stripe.prices.create({
        product: p.id,
        currency: "usd",
        unit_amount: 100 + i,
        recurring: { interval: "month" },
      });
      products.push({ product: p.id, prices: [price.id] });
    }
    const err = await refused(
      h.stripe.billingPortal.configurations.create({
        features: {
          payment_method_update: { enabled: true },
          subscription_update: update(products),
        },
      }),
    );
    expect(err.param).toBe("features[subscription_update][products]");
    const ten = await h.stripe.billingPortal.configurations.create({
      features: {
        payment_method_update: { enabled: true },
        subscription_update: update(products.slice(0, 10)),
      },
    });
    expect(ten.features.subscription_update.products).toHaveLength(10);
  });

  it("allows a business_profile.headline of at most 60 characters", async () => {
    const err = await refused(
      h.stripe.billingPortal.configurations.create({
        business_profile: { headline: "x".repeat(61) },
        features: { invoice_history: { enabled: true } },
      }),
    );
    expect(err.param).toBe("business_profile[headline]");
    const c = await h.stripe.billingPortal.configurations.create({
      business_profile: { headline: "x".repeat(60) },
      features: { invoice_history: { enabled: true } },
    });
    await refused(
      h.stripe.billingPortal.configurations.update(c.id, {
        business_profile: { headline: "y".repeat(61) },
      }),
    );
    expect(
      (await h.stripe.billingPortal.configurations.retrieve(c.id)).business_profile.headline,
    ).toBe("x".repeat(60));
  });
});

describe("portal session flow_data rules", () => {
  let customer: Stripe.Customer;
  let sub: Stripe.Subscription;

  beforeEach(async () => {
    await h.stripe.billingPortal.configurations.create({
      features: {
        payment_method_update: { enabled: true },
        subscription_cancel: { enabled: true, mode: "at_period_end" },
        subscription_update: update([
          { product: cat.basic.id, prices: [cat.basicMonthly.id] },
          { product: cat.pro.id, prices: [cat.proMonthly.id] },
        ]),
      },
    });
    customer = await h.stripe.customers.create({});
    sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: cat.basicMonthly.id }],
      trial_period_days: 7,
    });
  });

  const session = (flow_data: Stripe.BillingPortal.SessionCreateParams.FlowData) =>
    h.stripe.billingPortal.sessions.create({ customer: customer.id, flow_data });

  it("redirect after completion needs a return_url", async () => {
    const err = await refused(
      session({
        type: "payment_method_update",
        after_completion: { type: "redirect", redirect: {} as { return_url: string } },
      }),
    );
    expect(err.param).toBe("flow_data[after_completion][redirect][return_url]");
  });

  it("a subscription_cancel retention offer needs an existing coupon", async () => {
    const err = await refused(
      session({
        type: "subscription_cancel",
        subscription_cancel: {
          subscription: sub.id,
          retention: { type: "coupon_offer", coupon_offer: { coupon: "SAVE20" } },
        },
      }),
    );
    expect(err.code).toBe("resource_missing");
    expect(err.param).toBe("flow_data[subscription_cancel][retention][coupon_offer][coupon]");
    // Once the coupon exists, the offer is accepted and shown on the session's flow.
    await h.stripe.coupons.create({ id: "SAVE20", percent_off: 20 });
    const ok = await session({
      type: "subscription_cancel",
      subscription_cancel: {
        subscription: sub.id,
        retention: { type: "coupon_offer", coupon_offer: { coupon: "SAVE20" } },
      },
    });
    expect(ok.flow?.subscription_cancel?.retention).toEqual({
      type: "coupon_offer",
      coupon_offer: { coupon: "SAVE20" },
    });
  });

  it("subscription_update_confirm takes exactly one item of that subscription", async () => {
    const item = sub.items.data[0]!.id;
    const two = await refused(
      session({
        type: "subscription_update_confirm",
        subscription_update_confirm: {
          subscription: sub.id,
          items: [
            { id: item, price: cat.proMonthly.id },
            { id: item, price: cat.basicMonthly.id },
          ],
        },
      }),
    );
    expect(two.param).toBe("flow_data[subscription_update_confirm][items]");
    const foreign = await refused(
      session({
        type: "subscription_update_confirm",
        subscription_update_confirm: {
          subscription: sub.id,
          items: [{ id: "si_not_this_one", price: cat.proMonthly.id }],
        },
      }),
    );
    expect(foreign.param).toBe("flow_data[subscription_update_confirm][items][0][id]");
    const ok = await session({
      type: "subscription_update_confirm",
      subscription_update_confirm: {
        subscription: sub.id,
        items: [{ id: item, price: cat.proMonthly.id }],
      },
    });
    expect(ok.flow?.subscription_update_confirm?.items).toEqual([
      { id: item, price: cat.proMonthly.id },
    ]);
  });
});
