/** Event types Stripe sends that the emulator emits at the same moments. */
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  customerWithCard,
  eventMark,
  eventsSince,
  typesSince,
  setupHarness,
  type Catalog,
  type Harness,
} from "./helpers";

let h: Harness;
let cat: Catalog;
let customer: Stripe.Customer;
setupHarness(async (started, catalog) => {
  h = started;
  cat = catalog;
  ({ customer } = await customerWithCard(h.stripe, "pm_card_visa", { email: "types@x.y" }));
});

describe("event types Stripe sends", () => {
  it("invoice.payment_succeeded comes with every invoice.paid", async () => {
    const mark = await eventMark(h.stripe);
    await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: cat.basicMonthly.id }],
    });
    await h.ctl.advanceClock({ days: 32 });
    const types = await typesSince(h.stripe, mark);
    const paid = types.filter((t) => t === "invoice.paid").length;
    expect(paid).toBe(2);
    expect(types.filter((t) => t === "invoice.payment_succeeded")).toHaveLength(paid);
  });

  it("invoice.upcoming 3 days before a renewal, once, with a preview invoice", async () => {
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: cat.basicMonthly.id }],
    });
    const renewal = sub.items.data[0]!.current_period_end;
    const mark = await eventMark(h.stripe);
    await h.ctl.advanceClock({ to: renewal - 4 * 86400 });
    expect(await typesSince(h.stripe, mark)).not.toContain("invoice.upcoming");
    await h.ctl.advanceClock({ to: renewal - 2 * 86400 });
    await h.ctl.advanceClock({ to: renewal - 86400 });
    const upcoming = (await eventsSince(h.stripe, mark)).filter(
      (e): e is Stripe.InvoiceUpcomingEvent => e.type === "invoice.upcoming",
    );
    expect(upcoming).toHaveLength(1);
    const event = upcoming[0]!;
    expect(event.created).toBe(renewal - 3 * 86400);
    const inv = event.data.object;
    expect(inv.billing_reason).toBe("upcoming");
    expect(inv.parent?.subscription_details?.subscription).toBe(sub.id);
    expect(inv.amount_due).toBe(1000);
    // A preview, not an invoice: it can't be fetched.
    await expect(h.stripe.invoices.retrieve(inv.id)).rejects.toMatchObject({ statusCode: 404 });
    // Not for a subscription that ends at its renewal.
    await h.ctl.advanceClock({ to: renewal + 60 });
    await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    const mark2 = await eventMark(h.stripe);
    await h.ctl.advanceClock({ days: 29 });
    expect(await typesSince(h.stripe, mark2)).not.toContain("invoice.upcoming");
  });

  it("invoiceitem.created for each pending proration item (create_prorations)", async () => {
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: cat.basicMonthly.id }],
    });
    await h.ctl.advanceClock({ days: 10 });
    const mark = await eventMark(h.stripe);
    await h.stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: cat.proMonthly.id }],
      proration_behavior: "create_prorations",
    });
    const items = (await eventsSince(h.stripe, mark)).filter(
      (e): e is Stripe.InvoiceItemCreatedEvent => e.type === "invoiceitem.created",
    );
    expect(items.length).toBeGreaterThanOrEqual(1);
    for (const e of items) {
      expect(e.data.object).toMatchObject({
        object: "invoiceitem",
        proration: true,
        invoice: null,
        customer: customer.id,
        parent: { subscription_details: { subscription: sub.id } },
      });
    }
    const none = await eventMark(h.stripe);
    await h.stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: cat.basicMonthly.id }],
      proration_behavior: "none",
    });
    expect(await typesSince(h.stripe, none)).not.toContain("invoiceitem.created");
  });
});
