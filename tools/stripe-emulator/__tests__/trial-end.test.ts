/** Trials without a card: trial_will_end, then cancel / pause / create_invoice at trial end. */
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  customerWithCard,
  eventMark,
  getPage,
  postForm,
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

type Behavior = "cancel" | "pause" | "create_invoice";

async function cardlessTrial(behavior?: Behavior) {
  const customer = await h.stripe.customers.create({ email: "trial@x.y" });
  const sub = await h.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: cat.proMonthly.id }],
    trial_period_days: 7,
    ...(behavior ? { trial_settings: { end_behavior: { missing_payment_method: behavior } } } : {}),
  });
  return { customer, sub };
}

describe("trial end without a payment method", () => {
  it("trial_settings is on the subscription (create_invoice by default)", async () => {
    const { sub } = await cardlessTrial();
    expect(sub.trial_settings).toEqual({
      end_behavior: { billing_cycle_anchor: null, missing_payment_method: "create_invoice" },
    });
    expect(sub.status).toBe("trialing");
  });

  it("cancel: trial_will_end 3 days before, then canceled at trial end without an invoice", async () => {
    const { sub } = await cardlessTrial("cancel");
    const mark = await eventMark(h.stripe);
    await h.ctl.advanceClock({ days: 4 });
    expect(await typesSince(h.stripe, mark)).toContain("customer.subscription.trial_will_end");
    const mark2 = await eventMark(h.stripe);
    await h.ctl.advanceClock({ days: 4 });
    const types = await typesSince(h.stripe, mark2);
    expect(types).toContain("customer.subscription.deleted");
    expect(types.filter((t) => t.startsWith("invoice."))).toEqual([]);
    const after = await h.stripe.subscriptions.retrieve(sub.id);
    expect(after).toMatchObject({ status: "canceled", ended_at: sub.trial_end });
    expect((await h.stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(1);
  });

  it("pause: status paused (pause_collection null), customer.subscription.paused; resume needs a card", async () => {
    const { customer, sub } = await cardlessTrial("pause");
    await h.ctl.advanceClock({ days: 4 });
    const mark = await eventMark(h.stripe);
    await h.ctl.advanceClock({ days: 4 });
    expect(await typesSince(h.stripe, mark)).toEqual([
      "customer.subscription.updated",
      "customer.subscription.paused",
    ]);
    const paused = await h.stripe.subscriptions.retrieve(sub.id);
    expect(paused).toMatchObject({ status: "paused", pause_collection: null });
    // Nothing happens while paused, however long.
    await h.ctl.advanceClock({ days: 60 });
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("paused");
    const noCard = await h.stripe.subscriptions
      .resume(sub.id, { billing_cycle_anchor: { type: "now" } })
      .catch((e: unknown) => e);
    expect(noCard).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const pm = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    await h.stripe.customers.update(customer.id, {
      invoice_settings: { default_payment_method: pm.id },
    });
    const mark2 = await eventMark(h.stripe);
    const resumed = await h.stripe.subscriptions.resume(sub.id, {
      billing_cycle_anchor: { type: "now" },
    });
    expect(resumed.status).toBe("active");
    const now = await h.ctl.now();
    expect(resumed.items.data[0]!.current_period_start).toBe(now);
    const types = await typesSince(h.stripe, mark2);
    expect(types).toContain("customer.subscription.resumed");
    expect(types).toContain("invoice.paid");
    const again = await h.stripe.subscriptions.resume(sub.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });

  it("create_invoice: an open invoice that fails for lack of a card, past_due", async () => {
    const { sub } = await cardlessTrial("create_invoice");
    await h.ctl.advanceClock({ days: 8 });
    const after = await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(after.status).toBe("past_due");
    const inv = after.latest_invoice as Stripe.Invoice;
    expect(inv).toMatchObject({ status: "open", billing_reason: "subscription_cycle" });
    expect(inv.attempt_count).toBe(1);
    expect(inv.next_payment_attempt).not.toBeNull();
  });

  it("a card on file converts the trial as usual", async () => {
    const { customer } = await customerWithCard(h.stripe, "pm_card_visa");
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: cat.proMonthly.id }],
      trial_period_days: 7,
      trial_settings: { end_behavior: { missing_payment_method: "cancel" } },
    });
    await h.ctl.advanceClock({ days: 8 });
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });

  it("a card added in the portal during the trial becomes the default and the trial converts", async () => {
    const { customer, sub } = await cardlessTrial("cancel");
    await h.stripe.billingPortal.configurations.create({
      features: { payment_method_update: { enabled: true }, invoice_history: { enabled: true } },
    });
    const portal = await h.stripe.billingPortal.sessions.create({ customer: customer.id });
    await getPage(portal.url);
    const added = await postForm(`${portal.url}/payment-methods`, {
      cardnumber: "4242 4242 4242 4242",
      exp: "12 / 34",
      cvc: "123",
      name: "Trial",
    });
    expect(added.status).toBeLessThan(400);
    const c = await h.stripe.customers.retrieve(customer.id);
    expect((c as Stripe.Customer).invoice_settings.default_payment_method).toMatch(/^pm_/);
    await h.ctl.advanceClock({ days: 8 });
    const after = await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(after.status).toBe("active");
    expect((after.latest_invoice as Stripe.Invoice).status).toBe("paid");
  });
});
