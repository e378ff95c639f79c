/** Dunning as account settings: retry schedule and the final action, per mode. */
import type Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import {
  eventMark,
  seedCatalog,
  startHarness,
  subscribedCustomer,
  typesSince,
  type Harness,
} from "./helpers";

let h: Harness;
afterEach(async () => h.stop());

const DAY = 86400;

/** A monthly subscription whose renewal charge fails; returns it and its period end. */
async function failingRenewal(stripe: Stripe) {
  const cat = await seedCatalog(stripe);
  const {
    customer: c,
    pm: good,
    sub,
  } = await subscribedCustomer(stripe, cat.basicMonthly.id, { customer: { email: "dunning@x.y" } });
  const bad = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: c.id });
  await stripe.customers.update(c.id, { invoice_settings: { default_payment_method: bad.id } });
  return { c, sub, good, end: sub.items.data[0]!.current_period_end };
}

describe("dunning settings", () => {
  it("default: retries 3, 5 and 7 days after the failure, then cancels", async () => {
    h = await startHarness();
    expect(await h.ctl.getDunning()).toEqual({ retryDays: [3, 2, 2], finalAction: "cancel" });
    const { sub, end } = await failingRenewal(h.stripe);
    await h.ctl.advanceClock({ to: end + 60 });
    const inv = (await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] }))
      .latest_invoice as Stripe.Invoice;
    expect(inv.next_payment_attempt).toBe(end + 3 * DAY);
    await h.ctl.advanceClock({ to: end + 3 * DAY + 60 });
    expect((await h.stripe.invoices.retrieve(inv.id)).next_payment_attempt).toBe(end + 5 * DAY);
    await h.ctl.advanceClock({ to: end + 7 * DAY + 60 });
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
  });

  it("a custom schedule (start option): retries counted from the previous attempt", async () => {
    h = await startHarness({ dunning: { retryDays: [1, 4] } });
    const { sub, end } = await failingRenewal(h.stripe);
    await h.ctl.advanceClock({ to: end + 60 });
    const inv = (await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] }))
      .latest_invoice as Stripe.Invoice;
    expect(inv.next_payment_attempt).toBe(end + DAY);
    await h.ctl.advanceClock({ to: end + DAY + 60 });
    expect((await h.stripe.invoices.retrieve(inv.id)).next_payment_attempt).toBe(end + 5 * DAY);
    await h.ctl.advanceClock({ to: end + 5 * DAY + 60 });
    const after = await h.stripe.subscriptions.retrieve(sub.id);
    expect(after.status).toBe("canceled");
    expect(after.cancellation_details?.reason).toBe("payment_failed");
    expect((await h.stripe.invoices.retrieve(inv.id)).attempt_count).toBe(3);
  });

  it("unpaid: the subscription is marked unpaid, the invoice stays open, paying it restores it", async () => {
    h = await startHarness();
    await h.ctl.setDunning({ retryDays: [1], finalAction: "unpaid" });
    const { c, sub, good, end } = await failingRenewal(h.stripe);
    await h.ctl.advanceClock({ to: end + 60 });
    const mark = await eventMark(h.stripe);
    await h.ctl.advanceClock({ to: end + DAY + 60 });
    const types = await typesSince(h.stripe, mark);
    expect(types).toContain("invoice.payment_failed");
    expect(types.at(-1)).toBe("customer.subscription.updated");
    expect(types).not.toContain("customer.subscription.deleted");
    const unpaid = await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(unpaid.status).toBe("unpaid");
    const inv = unpaid.latest_invoice as Stripe.Invoice;
    expect(inv).toMatchObject({ status: "open", next_payment_attempt: null });

    // The next period is still invoiced, but never charged while unpaid.
    await h.ctl.advanceClock({ days: 31 });
    const stillUnpaid = await h.stripe.subscriptions.retrieve(sub.id, {
      expand: ["latest_invoice"],
    });
    expect(stillUnpaid.status).toBe("unpaid");
    expect(stillUnpaid.latest_invoice).toMatchObject({ status: "open", attempt_count: 0 });

    await h.stripe.customers.update(c.id, {
      invoice_settings: { default_payment_method: good.id },
    });
    const latest = stillUnpaid.latest_invoice as Stripe.Invoice;
    expect((await h.stripe.invoices.pay(latest.id)).status).toBe("paid");
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });

  it("past_due: after the last retry the subscription is left past due", async () => {
    h = await startHarness();
    await h.ctl.setDunning({ retryDays: [2], finalAction: "past_due" });
    const { sub, end } = await failingRenewal(h.stripe);
    await h.ctl.advanceClock({ to: end + 10 * DAY });
    const after = await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(after.status).toBe("past_due");
    expect(after.latest_invoice).toMatchObject({
      status: "open",
      attempt_count: 2,
      next_payment_attempt: null,
    });
  });

  it("settings are per mode, refused when invalid, and reset restores the start option", async () => {
    h = await startHarness({ dunning: { live: { finalAction: "unpaid" } } });
    expect(await h.ctl.getDunning("live")).toEqual({
      retryDays: [3, 2, 2],
      finalAction: "unpaid",
    });
    await h.ctl.setDunning({ mode: "test", finalAction: "past_due" });
    expect((await h.ctl.getDunning("test")).finalAction).toBe("past_due");
    expect((await h.ctl.getDunning("live")).finalAction).toBe("unpaid");
    await expect(h.ctl.setDunning({ finalAction: "pause" as "cancel" })).rejects.toThrow(
      /finalAction/,
    );
    await expect(h.ctl.setDunning({ retryDays: [0] })).rejects.toThrow(/retryDays/);
    await h.ctl.reset();
    expect((await h.ctl.getDunning("test")).finalAction).toBe("cancel");
  });
});
