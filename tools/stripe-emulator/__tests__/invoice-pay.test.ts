/** `invoices.pay` pays the invoice it names, and refuses one that is already settled. */
import type Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { seedCatalog, startHarness, type Harness } from "./helpers";

let h: Harness;
afterEach(async () => h.stop());

describe("invoices.pay", () => {
  it("refuses an invoice that is already paid, like Stripe", async () => {
    h = await startHarness();
    const cat = await seedCatalog(h.stripe);
    const c = await h.stripe.customers.create({ email: "paid@x.y" });
    const pm = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: c.id });
    const sub = await h.stripe.subscriptions.create({
      customer: c.id,
      items: [{ price: cat.basicMonthly.id }],
      default_payment_method: pm.id,
    });
    const invoiceId = String(sub.latest_invoice);
    expect((await h.stripe.invoices.retrieve(invoiceId)).status).toBe("paid");
    await expect(h.stripe.invoices.pay(invoiceId)).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      statusCode: 400,
      message: "Invoice is already paid",
    });
  });

  it("pays the named open invoice, not the subscription's latest", async () => {
    h = await startHarness();
    await h.ctl.setDunning({ retryDays: [1], finalAction: "unpaid" });
    const cat = await seedCatalog(h.stripe);
    const c = await h.stripe.customers.create({ email: "older@x.y" });
    const bad = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: c.id,
    });
    const good = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: c.id });
    const sub = await h.stripe.subscriptions.create({
      customer: c.id,
      items: [{ price: cat.basicMonthly.id }],
      default_payment_method: good.id,
    });
    await h.stripe.subscriptions.update(sub.id, { default_payment_method: bad.id });
    // Two renewals: the first fails and the subscription becomes unpaid; the second is
    // invoiced and left open.
    await h.ctl.advanceClock({ days: 33 });
    await h.ctl.advanceClock({ days: 31 });
    const open = await h.stripe.invoices.list({ subscription: sub.id, status: "open" });
    expect(open.data).toHaveLength(2);
    const older = open.data.at(-1) as Stripe.Invoice;
    await h.stripe.subscriptions.update(sub.id, { default_payment_method: good.id });
    const paid = await h.stripe.invoices.pay(older.id);
    expect(paid).toMatchObject({ id: older.id, status: "paid" });
  });

  it("charges the card it names, and refuses another customer's card", async () => {
    h = await startHarness();
    const cat = await seedCatalog(h.stripe);
    const c = await h.stripe.customers.create({ email: "named@x.y" });
    const bad = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: c.id,
    });
    const good = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: c.id });
    const sub = await h.stripe.subscriptions.create({
      customer: c.id,
      items: [{ price: cat.basicMonthly.id }],
      default_payment_method: good.id,
    });
    await h.stripe.subscriptions.update(sub.id, { default_payment_method: bad.id });
    await h.ctl.advanceClock({ days: 33 });
    const open = (await h.stripe.subscriptions.retrieve(sub.id)).latest_invoice as string;
    expect((await h.stripe.invoices.retrieve(open)).status).toBe("open");

    const other = await h.stripe.customers.create({ email: "other@x.y" });
    const theirs = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: other.id });
    await expect(h.stripe.invoices.pay(open, { payment_method: theirs.id })).rejects.toMatchObject({
      code: "resource_missing",
      param: "payment_method",
    });
    // The subscription still names the failing card: only the named one can pay.
    const paid = await h.stripe.invoices.pay(open, { payment_method: good.id });
    expect(paid.status).toBe("paid");
  });
});

describe("invoice numbers", () => {
  it("count per customer from 0001, after the customer's prefix (Stripe's default numbering)", async () => {
    h = await startHarness();
    const cat = await seedCatalog(h.stripe);
    const numbers: string[] = [];
    for (const email of ["first@x.y", "second@x.y"]) {
      const c = await h.stripe.customers.create({ email });
      const pm = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: c.id });
      const sub = await h.stripe.subscriptions.create({
        customer: c.id,
        items: [{ price: cat.basicMonthly.id }],
        default_payment_method: pm.id,
      });
      const inv = await h.stripe.invoices.retrieve(String(sub.latest_invoice));
      numbers.push(String(inv.number));
      expect(inv.number).toBe(`${c.invoice_prefix}-0001`);
      expect((await h.stripe.customers.retrieve(c.id)) as Stripe.Customer).toMatchObject({
        next_invoice_sequence: 2,
      });
    }
    expect(new Set(numbers).size).toBe(2);
  });
});
