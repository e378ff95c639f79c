/** Checkout: adjustable quantity, promotion codes and discounts, trials without a card. */
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { getPage, postForm, setupHarness, type Catalog, type Harness } from "./helpers";

let h: Harness;
let cat: Catalog;
setupHarness((started, catalog) => {
  h = started;
  cat = catalog;
});

const CARD = { cardnumber: "4242 4242 4242 4242", exp: "12 / 34", cvc: "123" };

async function seats(extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
  return h.stripe.checkout.sessions.create({
    mode: "subscription",
    line_items: [
      {
        price: cat.basicMonthly.id,
        quantity: 3,
        adjustable_quantity: { enabled: true, minimum: 2, maximum: 10 },
      },
    ],
    success_url: "http://localhost:3000/ok?session_id={CHECKOUT_SESSION_ID}",
    customer_email: "seats@x.y",
    ...extra,
  });
}

async function subscriptionOf(session: Stripe.Checkout.Session) {
  const done = await h.stripe.checkout.sessions.retrieve(session.id, {
    expand: ["subscription", "line_items"],
  });
  return { done, sub: done.subscription as Stripe.Subscription };
}

describe("Checkout adjustable quantity", () => {
  it("the page offers a Quantity field; the chosen quantity is subscribed and charged", async () => {
    const session = await seats();
    const page = await getPage(session.url!);
    expect(page.text).toContain('<label for="quantity">Quantity</label>');
    expect(page.text).toMatch(/name="quantity" min="2" max="10" step="1" required value="3"/);
    const tooMany = await postForm(session.url!, { email: "seats@x.y", quantity: "11", ...CARD });
    expect(tooMany.status).toBe(400);
    expect(tooMany.text).toContain("Quantity must be a whole number between 2 and 10.");
    expect((await h.stripe.customers.list({ email: "seats@x.y" })).data).toEqual([]);
    const ok = await postForm(session.url!, { email: "seats@x.y", quantity: "5", ...CARD });
    expect(ok.status).toBe(303);
    const { done, sub } = await subscriptionOf(session);
    expect(sub.items.data[0]!.quantity).toBe(5);
    expect(done.amount_total).toBe(5000);
    expect(done.line_items!.data[0]).toMatchObject({
      quantity: 5,
      amount_subtotal: 5000,
      adjustable_quantity: { enabled: true, minimum: 2, maximum: 10 },
    });
    const inv = await h.stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(inv).toMatchObject({ amount_paid: 5000, status: "paid" });
    expect(inv.lines.data[0]).toMatchObject({ quantity: 5, amount: 5000 });
  });

  it("refuses Stripe's out-of-range settings", async () => {
    const bad: [Stripe.Checkout.SessionCreateParams.LineItem.AdjustableQuantity, number, string][] =
      [
        [{ enabled: true, minimum: -1 }, 1, "line_items[0][adjustable_quantity][minimum]"],
        [{ enabled: true, maximum: 1_000_000 }, 1, "line_items[0][adjustable_quantity][maximum]"],
        [{ enabled: true, minimum: 2, maximum: 5 }, 6, "line_items[0][quantity]"],
      ];
    for (const [aq, quantity, param] of bad) {
      const err = await h.stripe.checkout.sessions
        .create({
          mode: "subscription",
          line_items: [{ price: cat.basicMonthly.id, quantity, adjustable_quantity: aq }],
          success_url: "http://localhost:3000/ok",
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect((err as Stripe.errors.StripeInvalidRequestError).param).toBe(param);
    }
  });
});

describe("Checkout promotion codes", () => {
  it("a valid code (any case) discounts the subscription, its first invoice and renewals", async () => {
    await h.stripe.coupons.create({
      id: "Q20",
      percent_off: 20,
      duration: "repeating",
      duration_in_months: 2,
    });
    const pc = await h.stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: "Q20" },
      code: "TEAM20",
    });
    const session = await seats({ allow_promotion_codes: true });
    expect(session.allow_promotion_codes).toBe(true);
    const page = await getPage(session.url!);
    expect(page.text).toContain('<label for="promotion_code">Promotion code</label>');
    const unknown = await postForm(session.url!, {
      email: "seats@x.y",
      promotion_code: "NOPE",
      ...CARD,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain("This code is invalid.");
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
    const ok = await postForm(session.url!, {
      email: "seats@x.y",
      promotion_code: "team20",
      quantity: "3",
      ...CARD,
    });
    expect(ok.status).toBe(303);
    const { done, sub } = await subscriptionOf(session);
    expect(done.total_details?.amount_discount).toBe(600);
    expect(done.amount_total).toBe(2400);
    expect(done.discounts).toEqual([{ coupon: "Q20", promotion_code: pc.id }]);
    const listed = await h.stripe.subscriptions.list({
      customer: sub.customer as string,
      expand: ["data.discounts.source.coupon"],
    });
    expect(listed.data[0]!.discounts[0]).toMatchObject({
      promotion_code: pc.id,
      checkout_session: session.id,
      source: { type: "coupon", coupon: { id: "Q20", duration: "repeating" } },
    });
    const first = await h.stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(first).toMatchObject({ subtotal: 3000, total: 2400, amount_paid: 2400 });
    await h.ctl.advanceClock({ days: 31 });
    const renewal = (await h.stripe.invoices.list({ subscription: sub.id })).data[0]!;
    expect(renewal.total).toBe(2400);
    expect(renewal.total_discount_amounts?.[0]?.amount).toBe(600);
  });

  it("no field without allow_promotion_codes, and a posted code is refused", async () => {
    await h.stripe.coupons.create({ id: "X", percent_off: 10 });
    await h.stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: "X" },
      code: "XCODE",
    });
    const session = await seats();
    expect((await getPage(session.url!)).text).not.toContain("promotion_code");
    const res = await postForm(session.url!, {
      email: "seats@x.y",
      promotion_code: "XCODE",
      ...CARD,
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain("This checkout does not accept promotion codes.");
  });

  it("an inactive code is refused; discounts with allow_promotion_codes is a 400", async () => {
    await h.stripe.coupons.create({ id: "Y", percent_off: 10 });
    const pc = await h.stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: "Y" },
      code: "YCODE",
      active: false,
    });
    const session = await seats({ allow_promotion_codes: true });
    const res = await postForm(session.url!, { email: "a@x.y", promotion_code: "ycode", ...CARD });
    expect(res.text).toContain("This code is invalid.");
    const both = await seats({ allow_promotion_codes: true, discounts: [{ coupon: "Y" }] }).catch(
      (e: unknown) => e,
    );
    expect(both).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    await h.stripe.promotionCodes.update(pc.id, { active: true });
    const withDiscount = await seats({ discounts: [{ promotion_code: pc.id }] });
    expect(withDiscount).toMatchObject({ amount_total: 2700 });
    expect(withDiscount.total_details?.amount_discount).toBe(300);
  });
});

describe("Checkout trials without a card", () => {
  it("if_required + trial: no card fields, Start trial, no payment method", async () => {
    const session = await h.stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: cat.proMonthly.id, quantity: 1 }],
      success_url: "http://localhost:3000/ok",
      customer_email: "trial@x.y",
      payment_method_collection: "if_required",
      subscription_data: {
        trial_period_days: 14,
        trial_settings: { end_behavior: { missing_payment_method: "pause" } },
      },
    });
    expect(session.payment_method_collection).toBe("if_required");
    const page = await getPage(session.url!);
    expect(page.text).not.toContain('name="cardnumber"');
    expect(page.text).toContain("Start trial");
    const res = await postForm(session.url!, { email: "trial@x.y", name: "Trial" });
    expect(res.status).toBe(303);
    const { done, sub } = await subscriptionOf(session);
    expect(done.payment_status).toBe("no_payment_required");
    expect(sub).toMatchObject({
      status: "trialing",
      default_payment_method: null,
      trial_settings: { end_behavior: { missing_payment_method: "pause" } },
    });
    const pms = await h.stripe.paymentMethods.list({ customer: sub.customer as string });
    expect(pms.data).toEqual([]);
  });

  it("always (the default) + trial still asks for a card", async () => {
    const session = await h.stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: cat.proMonthly.id, quantity: 1 }],
      success_url: "http://localhost:3000/ok",
      subscription_data: { trial_period_days: 7 },
    });
    expect((await getPage(session.url!)).text).toContain('name="cardnumber"');
    const res = await postForm(session.url!, { email: "t@x.y" });
    expect(res.status).toBe(402);
  });
});
