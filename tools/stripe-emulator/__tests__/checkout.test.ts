import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  eventMark,
  getPage,
  postForm,
  typesSince,
  setupHarness,
  type Catalog,
  type Harness,
} from "./helpers";

let h: Harness;
let prices: Catalog;
setupHarness(
  (started, catalog) => {
    h = started;
    prices = catalog;
  },
  { perFile: true },
);

describe("hosted checkout", () => {
  it("completes a subscription checkout and emits Stripe's sequence", async () => {
    const session = await h.stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: prices.proMonthly.id, quantity: 1 }],
      success_url: "http://localhost:3000/billing?session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "http://localhost:3000/pricing",
      client_reference_id: "user_42",
      customer_email: "buyer@x.y",
      metadata: { userId: "user_42" },
    });
    expect(session).toMatchObject({
      status: "open",
      mode: "subscription",
      client_reference_id: "user_42",
    });
    expect(session.url).toMatch(/^http:\/\/localhost:\d+\/c\/pay\/cs_test_/);
    const page = await getPage(session.url!);
    expect(page.text).toContain("Local Stripe emulator");
    expect(page.text).toContain("Pro");
    expect(page.text).toContain("buyer@x.y");

    const mark = await eventMark(h.stripe);
    const res = await postForm(session.url!, {
      email: "buyer@x.y",
      name: "Buyer",
      cardnumber: "4242 4242 4242 4242",
      exp: "12 / 34",
      cvc: "123",
    });
    expect(res.status).toBe(303);
    expect(res.location).toBe(`http://localhost:3000/billing?session_id=${session.id}`);
    expect(await typesSince(h.stripe, mark)).toEqual([
      "customer.created",
      "payment_method.attached",
      "customer.subscription.created",
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
      "customer.subscription.updated",
      "checkout.session.completed",
    ]);
    const done = await h.stripe.checkout.sessions.retrieve(session.id, {
      expand: ["subscription", "line_items"],
    });
    expect(done.status).toBe("complete");
    expect(done.payment_status).toBe("paid");
    const sub = done.subscription as Stripe.Subscription;
    expect(sub.status).toBe("active");
    expect(sub.items.data[0]?.price.id).toBe(prices.proMonthly.id);
    expect(done.line_items?.data[0]?.quantity).toBe(1);
    const customer = await h.stripe.customers.retrieve(String(done.customer));
    expect(!customer.deleted && customer.email).toBe("buyer@x.y");
    expect((await getPage(session.url!)).text).toContain("already complete");
  });

  it("trial checkout for an existing customer starts trialing", async () => {
    const c = await h.stripe.customers.create({ email: "trial@x.y" });
    const session = await h.stripe.checkout.sessions.create({
      mode: "subscription",
      customer: c.id,
      line_items: [{ price: prices.basicMonthly.id, quantity: 1 }],
      subscription_data: { trial_period_days: 7 },
      success_url: "http://localhost:3000/ok",
    });
    expect(session.amount_total).toBe(0);
    const res = await postForm(session.url!, {
      email: "trial@x.y",
      cardnumber: "5555555555554444",
    });
    expect(res.status).toBe(303);
    const done = await h.stripe.checkout.sessions.retrieve(session.id, {
      expand: ["subscription"],
    });
    const sub = done.subscription as Stripe.Subscription;
    expect(sub.status).toBe("trialing");
    expect(sub.trial_end! - sub.trial_start!).toBe(7 * 86400);
    expect(done.customer).toBe(c.id);
  });

  it("a declining card shows an error and creates nothing", async () => {
    const session = await h.stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: prices.basicMonthly.id, quantity: 1 }],
      success_url: "http://localhost:3000/ok",
    });
    for (const card of ["4000 0000 0000 0002", "4000 0000 0000 0341"]) {
      const mark = await eventMark(h.stripe);
      const res = await postForm(session.url!, { email: "no@x.y", cardnumber: card });
      expect(res.status).toBe(402);
      expect(res.text).toContain("Your card was declined.");
      expect(await typesSince(h.stripe, mark)).toEqual([]);
    }
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
    const expired = await h.stripe.checkout.sessions.expire(session.id);
    expect(expired.status).toBe("expired");
  });

  it("validates create params", async () => {
    await expect(
      h.stripe.checkout.sessions.create({ mode: "subscription", success_url: "http://x" }),
    ).rejects.toMatchObject({ code: "parameter_missing", param: "line_items" });
  });
});
