/** Coupons, promotion codes and the discounts they make on subscriptions and invoices. */
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  customerWithCard,
  eventMark,
  typesSince,
  setupHarness,
  type Catalog,
  type Harness,
} from "./helpers";

let h: Harness;
let cat: Catalog;
setupHarness((started, catalog) => {
  h = started;
  cat = catalog;
});

const refused = async (p: Promise<unknown>) => {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  return err as Stripe.errors.StripeInvalidRequestError;
};

async function invoicesOf(sub: string): Promise<Stripe.Invoice[]> {
  return [...(await h.stripe.invoices.list({ subscription: sub, limit: 100 })).data].reverse();
}

describe("coupons API", () => {
  it("creates, retrieves, updates, lists and deletes, with events; modes kept apart", async () => {
    const mark = await eventMark(h.stripe);
    const c = await h.stripe.coupons.create({
      id: "SPRING",
      name: "Spring",
      percent_off: 25,
      duration: "repeating",
      duration_in_months: 3,
      max_redemptions: 5,
      metadata: { campaign: "spring" },
    });
    expect(c).toMatchObject({
      id: "SPRING",
      object: "coupon",
      percent_off: 25,
      amount_off: null,
      duration: "repeating",
      duration_in_months: 3,
      times_redeemed: 0,
      valid: true,
      livemode: false,
    });
    const fixed = await h.stripe.coupons.create({
      amount_off: 500,
      currency: "usd",
      currency_options: { eur: { amount_off: 450 } },
      duration: "forever",
    });
    expect(fixed.id).toMatch(/^[A-Za-z0-9]{8}$/);
    const withOptions = await h.stripe.coupons.retrieve(fixed.id, {
      expand: ["currency_options"],
    });
    expect(withOptions.currency_options).toEqual({
      usd: { amount_off: 500 },
      eur: { amount_off: 450 },
    });
    expect((await h.stripe.coupons.retrieve(fixed.id)).currency_options).toBeUndefined();
    const updated = await h.stripe.coupons.update("SPRING", { name: "Spring sale" });
    expect(updated.name).toBe("Spring sale");
    expect((await h.stripe.coupons.list()).data.map((x) => x.id)).toEqual([fixed.id, "SPRING"]);
    await refused(h.live.coupons.retrieve("SPRING"));
    expect(await h.stripe.coupons.del(fixed.id)).toEqual({
      id: fixed.id,
      object: "coupon",
      deleted: true,
    });
    expect((await refused(h.stripe.coupons.retrieve(fixed.id))).code).toBe("resource_missing");
    expect(await typesSince(h.stripe, mark)).toEqual([
      "coupon.created",
      "coupon.created",
      "coupon.updated",
      "coupon.deleted",
    ]);
  });

  it("refuses what Stripe refuses", async () => {
    expect((await refused(h.stripe.coupons.create({ duration: "once" }))).param).toBe(
      "percent_off",
    );
    expect(
      (await refused(h.stripe.coupons.create({ amount_off: 100, duration: "once" }))).param,
    ).toBe("currency");
    expect(
      (await refused(h.stripe.coupons.create({ percent_off: 10, duration: "repeating" }))).param,
    ).toBe("duration_in_months");
    expect((await refused(h.stripe.coupons.create({ percent_off: 120 }))).param).toBe(
      "percent_off",
    );
    await h.stripe.coupons.create({ id: "DUP", percent_off: 10 });
    expect((await refused(h.stripe.coupons.create({ id: "DUP", percent_off: 10 }))).code).toBe(
      "resource_already_exists",
    );
    // Unknown parameters are still refused.
    const unknown = await refused(
      h.stripe.coupons.create({ percent_off: 10, foo: "x" } as Stripe.CouponCreateParams),
    );
    expect(unknown.code).toBe("parameter_unknown");
  });
});

describe("promotion codes API", () => {
  it("create (promotion[coupon]), retrieve, filters, update; one active code per text", async () => {
    await h.stripe.coupons.create({ id: "TEN", percent_off: 10 });
    const mark = await eventMark(h.stripe);
    const pc = await h.stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: "TEN" },
      code: "Welcome10",
      max_redemptions: 2,
      restrictions: { first_time_transaction: true },
      metadata: { source: "email" },
    });
    expect(pc).toMatchObject({
      object: "promotion_code",
      code: "Welcome10",
      active: true,
      promotion: { type: "coupon", coupon: "TEN" },
      restrictions: { first_time_transaction: true, minimum_amount: null },
      times_redeemed: 0,
    });
    const expanded = await h.stripe.promotionCodes.retrieve(pc.id, {
      expand: ["promotion.coupon"],
    });
    expect(expanded.promotion.coupon).toMatchObject({ id: "TEN", percent_off: 10 });
    expect((await h.stripe.promotionCodes.list({ code: "WELCOME10" })).data).toHaveLength(1);
    expect((await h.stripe.promotionCodes.list({ coupon: "TEN", active: false })).data).toEqual([]);
    const dup = await refused(
      h.stripe.promotionCodes.create({
        promotion: { type: "coupon", coupon: "TEN" },
        code: "WELCOME10",
      }),
    );
    expect(dup.param).toBe("code");
    const off = await h.stripe.promotionCodes.update(pc.id, { active: false });
    expect(off.active).toBe(false);
    const again = await h.stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: "TEN" },
      code: "WELCOME10",
    });
    expect((await refused(h.stripe.promotionCodes.update(pc.id, { active: true }))).param).toBe(
      "active",
    );
    expect(again.active).toBe(true);
    expect(
      (
        await refused(
          h.stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: "NOPE" } }),
        )
      ).code,
    ).toBe("resource_missing");
    expect(await typesSince(h.stripe, mark)).toEqual([
      "promotion_code.created",
      "promotion_code.updated",
      "promotion_code.created",
    ]);
  });
});

describe("discounts on subscriptions", () => {
  it("a repeating coupon discounts invoices for its months, then leaves", async () => {
    const { customer } = await customerWithCard(h.stripe, "pm_card_visa");
    await h.stripe.coupons.create({
      id: "HALF3",
      percent_off: 50,
      duration: "repeating",
      duration_in_months: 2,
    });
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: cat.proMonthly.id }],
      discounts: [{ coupon: "HALF3" }],
    });
    expect(sub.discounts).toHaveLength(1);
    const listed = await h.stripe.subscriptions.list({
      customer: customer.id,
      expand: ["data.discounts.source.coupon"],
    });
    const d = listed.data[0]!.discounts[0] as Stripe.Discount;
    expect(d).toMatchObject({
      object: "discount",
      subscription: sub.id,
      customer: customer.id,
      promotion_code: null,
      source: { type: "coupon", coupon: { id: "HALF3", percent_off: 50 } },
    });
    expect(d.end).toBeGreaterThan(d.start);
    await h.ctl.advanceClock({ days: 31 });
    await h.ctl.advanceClock({ days: 31 });
    const invs = await invoicesOf(sub.id);
    expect(invs.map((i) => i.total)).toEqual([1500, 1500, 3000]);
    expect(invs[0]!.subtotal).toBe(3000);
    expect(invs[0]!.total_discount_amounts).toEqual([{ amount: 1500, discount: d.id }]);
    expect(invs[0]!.discounts).toEqual([d.id]);
    expect(invs[0]!.lines.data[0]!.discount_amounts).toEqual([{ amount: 1500, discount: d.id }]);
    expect(invs[0]!.amount_paid).toBe(1500);
    expect((await h.stripe.subscriptions.retrieve(sub.id)).discounts).toEqual([]);
    expect((await h.stripe.coupons.retrieve("HALF3")).times_redeemed).toBe(1);
  });

  it("once: the first invoice only; forever: every invoice; update replaces and clears", async () => {
    const { customer } = await customerWithCard(h.stripe, "pm_card_visa");
    await h.stripe.coupons.create({ id: "ONCE5", amount_off: 500, currency: "usd" });
    await h.stripe.coupons.create({ id: "FOREVER10", percent_off: 10, duration: "forever" });
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: cat.basicMonthly.id }],
      discounts: [{ coupon: "ONCE5" }],
    });
    await h.ctl.advanceClock({ days: 31 });
    expect((await invoicesOf(sub.id)).map((i) => i.total)).toEqual([500, 1000]);
    const mark = await eventMark(h.stripe);
    const updated = await h.stripe.subscriptions.update(sub.id, {
      discounts: [{ coupon: "FOREVER10" }],
    });
    expect(updated.discounts).toHaveLength(1);
    expect(await typesSince(h.stripe, mark)).toEqual(["customer.subscription.updated"]);
    await h.ctl.advanceClock({ days: 31 });
    await h.ctl.advanceClock({ days: 31 });
    expect((await invoicesOf(sub.id)).map((i) => i.total)).toEqual([500, 1000, 900, 900]);
    const cleared = await h.stripe.subscriptions.update(sub.id, { discounts: "" });
    expect(cleared.discounts).toEqual([]);
  });

  it("promotion codes on subscriptions.create; unknown ids are resource_missing", async () => {
    const { customer } = await customerWithCard(h.stripe, "pm_card_visa");
    await h.stripe.coupons.create({ id: "TWENTY", percent_off: 20, duration: "forever" });
    const pc = await h.stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: "TWENTY" },
      code: "SAVE20",
      max_redemptions: 1,
    });
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: cat.basicMonthly.id }],
      discounts: [{ promotion_code: pc.id }],
      expand: ["discounts"],
    });
    expect((sub.discounts[0] as Stripe.Discount).promotion_code).toBe(pc.id);
    expect((await invoicesOf(sub.id))[0]!.total).toBe(800);
    expect((await h.stripe.promotionCodes.retrieve(pc.id)).times_redeemed).toBe(1);
    // max_redemptions reached: refused.
    const spent = await refused(
      h.stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: cat.basicMonthly.id }],
        discounts: [{ promotion_code: pc.id }],
      }),
    );
    expect(spent.param).toBe("discounts[0][promotion_code]");
    for (const [key, param] of [
      [{ coupon: "NOPE" }, "discounts[0][coupon]"],
      [{ promotion_code: "promo_nope" }, "discounts[0][promotion_code]"],
    ] as const) {
      const err = await refused(
        h.stripe.subscriptions.create({
          customer: customer.id,
          items: [{ price: cat.basicMonthly.id }],
          discounts: [key],
        }),
      );
      expect(err).toMatchObject({ code: "resource_missing", param });
    }
  });
});
