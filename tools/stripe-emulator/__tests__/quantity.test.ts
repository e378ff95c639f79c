/** Quantity changes (API and portal) prorate like price changes; price/product events. */
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  eventMark,
  eventsSince,
  getPage,
  postForm,
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

describe("quantity changes", () => {
  it("subscriptions.update items[0][quantity] with always_invoice invoices the proration now", async () => {
    const { sub } = await subscribedCustomer(h.stripe, cat.basicMonthly.id);
    await h.ctl.advanceClock({ days: 15 });
    const mark = await eventMark(h.stripe);
    const updated = await h.stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, quantity: 3 }],
      proration_behavior: "always_invoice",
      expand: ["latest_invoice"],
    });
    expect(updated.items.data[0]!.quantity).toBe(3);
    const types = await typesSince(h.stripe, mark);
    expect(types[0]).toBe("customer.subscription.updated");
    expect(types).toContain("invoice.paid");
    const inv = updated.latest_invoice as Stripe.Invoice;
    expect(inv.billing_reason).toBe("subscription_update");
    const [credit, charge] = inv.lines.data;
    expect(credit!.amount).toBeLessThan(0);
    expect(charge!.quantity).toBe(3);
    // Two more seats for about half a month: between 0 and two full months of one seat.
    expect(inv.total).toBeGreaterThan(0);
    expect(inv.total).toBeLessThan(2000);
    expect(inv.total).toBe(credit!.amount + charge!.amount);
  });

  it("the portal enforces adjustable_quantity and default_allowed_updates server-side", async () => {
    const { customer, sub } = await subscribedCustomer(h.stripe, cat.basicMonthly.id);
    const features = (allowed: ("price" | "quantity")[]) => ({
      payment_method_update: { enabled: true },
      subscription_update: {
        enabled: true,
        default_allowed_updates: allowed,
        proration_behavior: "always_invoice" as const,
        products: [
          {
            product: cat.basic.id,
            prices: [cat.basicMonthly.id],
            adjustable_quantity: { enabled: true, minimum: 2, maximum: 5 },
          },
        ],
      },
    });
    const seats = await h.stripe.billingPortal.configurations.create({
      features: features(["price", "quantity"]),
    });
    const s = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: seats.id,
    });
    const page = await getPage(`${s.url}/subscriptions/${sub.id}/update`);
    expect(page.text).toContain('name="quantity" min="2" max="5"');
    const confirm = `${s.url}/subscriptions/${sub.id}/update/confirm`;
    const item = sub.items.data[0]!.id;
    for (const quantity of ["6", "0", "2.5"]) {
      const res = await postForm(confirm, { price: cat.basicMonthly.id, item, quantity });
      expect(res.status).toBe(400);
      expect(res.text).toContain("Quantity must be a whole number between 2 and 5.");
    }
    expect((await h.stripe.subscriptions.retrieve(sub.id)).items.data[0]!.quantity).toBe(1);
    const mark = await eventMark(h.stripe);
    await postForm(confirm, { price: cat.basicMonthly.id, item, quantity: "4" });
    const events = await eventsSince(h.stripe, mark);
    expect(events[0]!.type).toBe("customer.subscription.updated");
    const updated = events[0]!.data.object as Stripe.Subscription;
    expect(updated.items.data[0]!.quantity).toBe(4);
    expect(events.map((e) => e.type)).toContain("invoice.paid");

    const priceOnly = await h.stripe.billingPortal.configurations.create({
      features: features(["price"]),
    });
    const s2 = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: priceOnly.id,
    });
    const refused = await postForm(`${s2.url}/subscriptions/${sub.id}/update/confirm`, {
      price: cat.basicMonthly.id,
      item,
      quantity: "3",
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("The quantity of this plan cannot be changed.");
  });
});

describe("price and product events", () => {
  it("price.updated for lookup_key transfers and active; product.updated; product.deleted", async () => {
    const mark = await eventMark(h.stripe);
    const other = await h.stripe.prices.create({
      product: cat.basic.id,
      currency: "usd",
      unit_amount: 1200,
      recurring: { interval: "month" },
      lookup_key: "basic_monthly",
      transfer_lookup_key: true,
    });
    await h.stripe.prices.update(other.id, { active: false });
    await h.stripe.products.update(cat.basic.id, { name: "Basic plan" });
    const lonely = await h.stripe.products.create({ name: "Unused" });
    const events = await eventsSince(h.stripe, mark);
    expect(events.map((e) => e.type)).toEqual([
      "price.updated",
      "price.created",
      "price.updated",
      "product.updated",
      "product.created",
    ]);
    const transfer = events[0] as Stripe.PriceUpdatedEvent;
    expect(transfer.data.object.id).toBe(cat.basicMonthly.id);
    expect(transfer.data.previous_attributes).toEqual({ lookup_key: "basic_monthly" });
    // Stripe refuses deleting a product that has prices (prices cannot be deleted).
    const withPrices = await h.stripe.products.del(cat.basic.id).catch((e: unknown) => e);
    expect(withPrices).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const mark2 = await eventMark(h.stripe);
    expect(await h.stripe.products.del(lonely.id)).toEqual({
      id: lonely.id,
      object: "product",
      deleted: true,
    });
    expect(await typesSince(h.stripe, mark2)).toEqual(["product.deleted"]);
    const gone = await h.stripe.products.retrieve(lonely.id).catch((e: unknown) => e);
    expect(gone).toMatchObject({ statusCode: 404 });
  });
});
