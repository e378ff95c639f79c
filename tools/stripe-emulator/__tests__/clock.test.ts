import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  eventMark,
  eventsSince,
  getPage,
  postForm,
  startHarness,
  subscribedCustomer,
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

async function subscribed(card: string, params: Partial<Stripe.SubscriptionCreateParams> = {}) {
  const { customer: c, ...rest } = await subscribedCustomer(h.stripe, cat.basicMonthly.id, {
    card,
    customer: { email: "clock@x.y" },
    subscription: params,
  });
  return { c, ...rest };
}

describe("clock advance", () => {
  it("renews: new invoice, item periods move, charged by the default card", async () => {
    const { sub } = await subscribed("pm_card_visa");
    const item = sub.items.data[0]!;
    const mark = await eventMark(h.stripe);
    const r = await h.ctl.advanceClock({ to: item.current_period_end + 60 });
    expect(r.processed).toBe(1);
    expect(await typesSince(h.stripe, mark)).toEqual([
      "invoice.upcoming",
      "customer.subscription.updated",
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
    ]);
    const after = await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(after.items.data[0]!.current_period_start).toBe(item.current_period_end);
    expect(after.items.data[0]!.current_period_end).toBeGreaterThan(
      item.current_period_end + 27 * 86400,
    );
    const inv = after.latest_invoice as Stripe.Invoice;
    expect(inv).toMatchObject({
      billing_reason: "subscription_cycle",
      status: "paid",
      amount_paid: 1000,
    });
    expect(await h.ctl.now()).toBeGreaterThanOrEqual(item.current_period_end + 60);
  });

  it("failed renewal: past_due, retries, then canceled after the last retry", async () => {
    const { c, sub } = await subscribed("pm_card_visa");
    // Switch the default card to one whose charges fail.
    const bad = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: c.id,
    });
    await h.stripe.customers.update(c.id, { invoice_settings: { default_payment_method: bad.id } });
    const end = sub.items.data[0]!.current_period_end;
    let mark = await eventMark(h.stripe);
    await h.ctl.advanceClock({ to: end + 60 });
    expect(await typesSince(h.stripe, mark)).toEqual([
      "invoice.upcoming",
      "customer.subscription.updated",
      "invoice.created",
      "invoice.finalized",
      "invoice.payment_failed",
      "invoice.updated",
    ]);
    const pastDue = await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(pastDue.status).toBe("past_due");
    const inv = pastDue.latest_invoice as Stripe.Invoice;
    expect(inv).toMatchObject({ status: "open", attempt_count: 1 });
    expect(inv.next_payment_attempt).toBeGreaterThan(end);

    mark = await eventMark(h.stripe);
    await h.ctl.advanceClock({ days: 10 });
    const types = await typesSince(h.stripe, mark);
    expect(types.filter((t) => t === "invoice.payment_failed")).toHaveLength(3);
    expect(types.at(-1)).toBe("customer.subscription.deleted");
    const canceled = await h.stripe.subscriptions.retrieve(sub.id);
    expect(canceled.status).toBe("canceled");
    expect(canceled.cancellation_details?.reason).toBe("payment_failed");
    expect((await h.stripe.invoices.retrieve(inv.id)).attempt_count).toBe(4);
  });

  it("a new card while past_due pays the open invoice via invoices.pay", async () => {
    const { c, sub } = await subscribed("pm_card_chargeCustomerFail", { trial_period_days: 1 });
    await h.ctl.advanceClock({ days: 2 });
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
    const good = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: c.id });
    await h.stripe.customers.update(c.id, {
      invoice_settings: { default_payment_method: good.id },
    });
    const open = (await h.stripe.invoices.list({ customer: c.id, status: "open" })).data[0]!;
    const paid = await h.stripe.invoices.pay(open.id);
    expect(paid.status).toBe("paid");
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });

  it("trial: trial_will_end 3 days before, then active with an invoice", async () => {
    const { sub } = await subscribed("pm_card_visa", { trial_period_days: 7 });
    const mark = await eventMark(h.stripe);
    await h.ctl.advanceClock({ days: 5 });
    const events = await eventsSince(h.stripe, mark);
    // invoice.upcoming: 3 days before the trial's first invoice too.
    expect(events.map((e) => e.type)).toEqual([
      "invoice.upcoming",
      "customer.subscription.trial_will_end",
    ]);
    expect(events[1]!.created).toBe(sub.trial_end! - 3 * 86400);
    await h.ctl.advanceClock({ days: 3 });
    const types = await typesSince(h.stripe, mark);
    expect(types.slice(2)).toEqual([
      "customer.subscription.updated",
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
    ]);
    const after = await h.stripe.subscriptions.retrieve(sub.id);
    expect(after.status).toBe("active");
    expect(after.items.data[0]!.current_period_start).toBe(sub.trial_end);
  });

  it("cancel at period end ends with customer.subscription.deleted", async () => {
    const { sub } = await subscribed("pm_card_visa");
    await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    const mark = await eventMark(h.stripe);
    await h.ctl.advanceClock({ days: 40 });
    expect(await typesSince(h.stripe, mark)).toEqual(["customer.subscription.deleted"]);
    const after = await h.stripe.subscriptions.retrieve(sub.id);
    expect(after).toMatchObject({
      status: "canceled",
      ended_at: sub.items.data[0]!.current_period_end,
    });
  });

  it("incomplete subscriptions expire after 23 hours", async () => {
    const { sub } = await subscribed("pm_card_chargeCustomerFail");
    expect(sub.status).toBe("incomplete");
    await h.ctl.advanceClock({ days: 1 });
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("incomplete_expired");
  });
});

describe("persistence", () => {
  it("state survives a restart when stateFile is given", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stripe-emu-"));
    const stateFile = join(dir, "state.json");
    const first = await startHarness({ stateFile });
    const c = await first.stripe.customers.create({ email: "persist@x.y" });
    await first.ctl.advanceClock({ days: 3 });
    const now = await first.ctl.now();
    await first.stop();
    expect(JSON.parse(readFileSync(stateFile, "utf8"))).toHaveProperty("modes.test.customers");
    const second = await startHarness({ stateFile });
    try {
      const got = await second.stripe.customers.retrieve(c.id);
      expect(!got.deleted && got.email).toBe("persist@x.y");
      expect(Math.abs((await second.ctl.now()) - now)).toBeLessThan(5);
    } finally {
      await second.stop();
    }
  });
});

describe("expiry", () => {
  it("open checkout sessions expire after 24 hours of emulator time", async () => {
    const session = await h.stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: cat.basicMonthly.id, quantity: 1 }],
      success_url: "http://localhost:3000/ok",
    });
    const mark = await eventMark(h.stripe);
    await h.ctl.advanceClock({ days: 2 });
    expect(await typesSince(h.stripe, mark)).toEqual(["checkout.session.expired"]);
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe("expired");
  });
});

describe("recovery from past_due in the portal", () => {
  it("adding a working card is not charged at once; the next retry charges the customer's new default", async () => {
    const { c, sub } = await subscribed("pm_card_chargeCustomerFail", { trial_period_days: 1 });
    await h.ctl.advanceClock({ days: 2 });
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
    await h.stripe.billingPortal.configurations.create({
      features: { payment_method_update: { enabled: true } },
    });
    const session = await h.stripe.billingPortal.sessions.create({
      customer: c.id,
      return_url: "http://localhost:3000/settings/billing",
    });
    expect((await getPage(session.url)).text).toContain("Payment failed");
    const mark = await eventMark(h.stripe);
    await postForm(`${session.url}/payment-methods`, { cardnumber: "4242424242424242" });
    // Stripe's portal only sets the customer's invoice default (issue 12, behaviour 1).
    expect(await typesSince(h.stripe, mark)).toEqual([
      "payment_method.attached",
      "customer.updated",
    ]);
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
    // This subscription has no card of its own, so the retry uses the customer's new default.
    await h.ctl.advanceClock({ days: 3 });
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });
});
