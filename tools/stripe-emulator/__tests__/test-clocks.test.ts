/** Test clocks like Stripe's API: per customer, asynchronous advances, Stripe's limits. */
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { addInterval } from "../engine/clock";
import {
  customerWithCard,
  eventMark,
  postForm,
  typesSince,
  setupHarness,
  type Catalog,
  type Harness,
} from "./helpers";

let h: Harness;
let cat: Catalog;
setupHarness(
  (started, catalog) => {
    h = started;
    cat = catalog;
  },
  { emulator: { testClockAdvanceMs: 50 } },
);

const DAY = 86400;
/** 2030-01-01T00:00:00Z: far from the emulator clock, so clock time is told apart. */
const T0 = 1893456000;

async function onClock(card = "pm_card_visa") {
  const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: T0, name: "t" });
  const { customer } = await customerWithCard(h.stripe, card, {
    email: "tc@x.y",
    test_clock: clock.id,
  });
  return { clock, customer };
}

/** A subscription Checkout Session for the customer (on its clock when it has one). */
function checkoutFor(customer: string): Promise<Stripe.Checkout.Session> {
  return h.stripe.checkout.sessions.create({
    mode: "subscription",
    customer,
    line_items: [{ price: cat.basicMonthly.id, quantity: 1 }],
    success_url: "http://localhost:3000/ok",
  });
}

async function readyClock(id: string): Promise<Stripe.TestHelpers.TestClock> {
  for (let i = 0; i < 100; i++) {
    const clock = await h.stripe.testHelpers.testClocks.retrieve(id);
    if (clock.status === "ready") return clock;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`test clock ${id} never became ready`);
}

describe("test clocks", () => {
  it("create, retrieve, list: shaped as TestClock, test mode only", async () => {
    const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: T0, name: "n" });
    expect(clock).toMatchObject({
      object: "test_helpers.test_clock",
      frozen_time: T0,
      name: "n",
      status: "ready",
      livemode: false,
      status_details: {},
    });
    expect(clock.deletes_after).toBeGreaterThan(clock.created);
    expect((await h.stripe.testHelpers.testClocks.retrieve(clock.id)).id).toBe(clock.id);
    expect((await h.stripe.testHelpers.testClocks.list()).data.map((c) => c.id)).toEqual([
      clock.id,
    ]);
    await expect(h.live.testHelpers.testClocks.create({ frozen_time: T0 })).rejects.toThrow(
      /test mode/,
    );
  });

  it("a customer's subscription and invoices live at the clock's frozen time", async () => {
    const { clock, customer } = await onClock();
    expect(customer.test_clock).toBe(clock.id);
    expect(customer.created).toBe(T0);
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: cat.basicMonthly.id }],
      trial_period_days: 7,
    });
    expect(sub).toMatchObject({ created: T0, start_date: T0, test_clock: clock.id });
    expect(sub.trial_end).toBe(T0 + 7 * DAY);
    const inv = (await h.stripe.invoices.list({ customer: customer.id })).data[0]!;
    expect(inv).toMatchObject({ created: T0, test_clock: clock.id });
  });

  it("advances asynchronously: advancing, the customers' events, then ready", async () => {
    const { clock, customer } = await onClock();
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: cat.basicMonthly.id }],
    });
    const end = sub.items.data[0]!.current_period_end;
    // The emulator clock moving does not touch a customer on a test clock.
    await h.ctl.advanceClock({ days: 40 });
    expect((await h.stripe.subscriptions.retrieve(sub.id)).items.data[0]!.current_period_end).toBe(
      end,
    );

    const mark = await eventMark(h.stripe);
    const advancing = await h.stripe.testHelpers.testClocks.advance(clock.id, {
      frozen_time: end + 60,
    });
    expect(advancing).toMatchObject({
      status: "advancing",
      frozen_time: T0,
      status_details: { advancing: { target_frozen_time: end + 60 } },
    });
    // While advancing, its objects cannot change.
    await expect(h.stripe.subscriptions.update(sub.id, { metadata: { a: "b" } })).rejects.toThrow(
      /advancing/,
    );
    const ready = await readyClock(clock.id);
    expect(ready).toMatchObject({ frozen_time: end + 60, status_details: {} });
    const types = await typesSince(h.stripe, mark);
    expect(types[0]).toBe("test_helpers.test_clock.advancing");
    expect(types.at(-1)).toBe("test_helpers.test_clock.ready");
    expect(types).toContain("invoice.paid");
    const renewed = await h.stripe.subscriptions.retrieve(sub.id);
    expect(renewed.items.data[0]!.current_period_start).toBe(end);
  });

  it("flush waits for an advance to finish", async () => {
    const { clock } = await onClock();
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + DAY });
    await h.ctl.flush();
    expect((await h.stripe.testHelpers.testClocks.retrieve(clock.id)).status).toBe("ready");
  });

  it("advance limits: later than now, at most two intervals of the shortest subscription", async () => {
    const { clock, customer } = await onClock();
    await expect(
      h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 }),
    ).rejects.toMatchObject({ param: "frozen_time" });
    // No subscription: two years.
    await expect(
      h.stripe.testHelpers.testClocks.advance(clock.id, {
        frozen_time: addInterval(T0, "year", 2) + 1,
      }),
    ).rejects.toMatchObject({ param: "frozen_time" });
    await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: cat.basicMonthly.id }],
    });
    const limit = addInterval(T0, "month", 2);
    await expect(
      h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: limit + 1 }),
    ).rejects.toMatchObject({ param: "frozen_time" });
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: limit });
    expect((await readyClock(clock.id)).frozen_time).toBe(limit);
  });

  it("grace on a clock: a failed renewal retries on the clock's days", async () => {
    const { clock, customer } = await onClock();
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: cat.basicMonthly.id }],
    });
    const bad = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: customer.id,
    });
    await h.stripe.customers.update(customer.id, {
      invoice_settings: { default_payment_method: bad.id },
    });
    const end = sub.items.data[0]!.current_period_end;
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 60 });
    await readyClock(clock.id);
    const pastDue = await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(pastDue.status).toBe("past_due");
    expect((pastDue.latest_invoice as Stripe.Invoice).next_payment_attempt).toBe(end + 3 * DAY);
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 8 * DAY });
    await readyClock(clock.id);
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
  });

  it("at most three customers per clock", async () => {
    const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    for (let i = 0; i < 3; i++) await h.stripe.customers.create({ test_clock: clock.id });
    await expect(h.stripe.customers.create({ test_clock: clock.id })).rejects.toMatchObject({
      param: "test_clock",
    });
  });

  it("delete removes the clock and deletes its customers and their subscriptions", async () => {
    const { clock, customer } = await onClock();
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: cat.basicMonthly.id }],
    });
    const mark = await eventMark(h.stripe);
    const deleted = await h.stripe.testHelpers.testClocks.del(clock.id);
    expect(deleted).toEqual({ id: clock.id, object: "test_helpers.test_clock", deleted: true });
    expect(await typesSince(h.stripe, mark)).toEqual([
      "customer.subscription.deleted",
      "customer.deleted",
      "test_helpers.test_clock.deleted",
    ]);
    expect((await h.stripe.customers.retrieve(customer.id)).deleted).toBe(true);
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
    await expect(h.stripe.testHelpers.testClocks.retrieve(clock.id)).rejects.toMatchObject({
      code: "resource_missing",
    });
  });

  it("a Checkout Session for a clock customer is created and expires on the clock", async () => {
    const { clock, customer } = await onClock();
    const session = await checkoutFor(customer.id);
    expect(session).toMatchObject({ created: T0, expires_at: T0 + DAY });
    await h.ctl.advanceClock({ days: 2 });
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 2 * DAY });
    await readyClock(clock.id);
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe("expired");
  });
  it("the hosted Checkout page of a clock customer follows the clock, not the emulator clock", async () => {
    // A clock at today's real time, while the emulator clock is a month ahead (earlier tests
    // of a run advance it): the session is open on the customer's clock.
    const now = Math.floor(Date.now() / 1000);
    const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: now });
    const customer = await h.stripe.customers.create({ email: "tc2@x.y", test_clock: clock.id });
    await h.ctl.advanceClock({ days: 40 });
    const session = await checkoutFor(customer.id);
    expect(session.expires_at).toBe(now + DAY);
    const page = await fetch(session.url!);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain("expired");
  });
});

describe("billing mode", () => {
  it("a Checkout subscription on a test clock is flexible and starts at the clock's time", async () => {
    const { clock, customer } = await onClock();
    const session = await checkoutFor(customer.id);
    await postForm(session.url!, { email: "tc@x.y", cardnumber: "4242 4242 4242 4242" });
    const done = await h.stripe.checkout.sessions.retrieve(session.id);
    const sub = await h.stripe.subscriptions.retrieve(done.subscription as string);
    expect(sub).toMatchObject({
      created: T0,
      test_clock: clock.id,
      billing_mode: { type: "flexible", flexible: { proration_discounts: "included" } },
    });
  });

  it("new subscriptions are flexible (Stripe's default since 2025-09-30.clover); classic on request", async () => {
    const c = await h.stripe.customers.create({ payment_method: "pm_card_visa" });
    const pm = (await h.stripe.customers.listPaymentMethods(c.id)).data[0]!;
    await h.stripe.customers.update(c.id, { invoice_settings: { default_payment_method: pm.id } });
    const flexible = await h.stripe.subscriptions.create({
      customer: c.id,
      items: [{ price: cat.basicMonthly.id }],
    });
    expect(flexible.billing_mode).toMatchObject({
      type: "flexible",
      flexible: { proration_discounts: "included" },
    });
    const classic = await h.stripe.subscriptions.create({
      customer: c.id,
      items: [{ price: cat.proMonthly.id }],
      billing_mode: { type: "classic" },
    });
    expect(classic.billing_mode).toMatchObject({ type: "classic", flexible: null });
    await expect(
      h.stripe.subscriptions.create({
        customer: c.id,
        items: [{ price: cat.proMonthly.id }],
        billing_mode: { type: "classic", flexible: { proration_discounts: "itemized" } },
      }),
    ).rejects.toMatchObject({ param: "billing_mode[flexible]" });
  });
});
