/** `invoices.pay` pays the invoice it names, and refuses one that is already settled. */
import type Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { seedCatalog, startHarness, subscribedCustomer, type Harness } from "./helpers";

let h: Harness;
afterEach(async () => h.stop());

/**
 * A subscription paid by its own good card at signup, whose own card is then one that fails
 * (the customer has no invoice default).
 */
async function cardFailsAfterSignup(email: string) {
  const cat = await seedCatalog(h.stripe);
  const {
    customer,
    pm: good,
    sub,
  } = await subscribedCustomer(h.stripe, cat.basicMonthly.id, {
    customer: { email },
    cardOn: "subscription",
  });
  const bad = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
    customer: customer.id,
  });
  await h.stripe.subscriptions.update(sub.id, { default_payment_method: bad.id });
  return { customer, sub, good };
}

describe("invoices.pay", () => {
  it("refuses an invoice that is already paid, like Stripe", async () => {
    h = await startHarness();
    const cat = await seedCatalog(h.stripe);
    const { sub } = await subscribedCustomer(h.stripe, cat.basicMonthly.id, {
      customer: { email: "paid@x.y" },
      cardOn: "subscription",
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
    const { sub, good } = await cardFailsAfterSignup("older@x.y");
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
    const { sub, good } = await cardFailsAfterSignup("named@x.y");
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
      const { customer: c, sub } = await subscribedCustomer(h.stripe, cat.basicMonthly.id, {
        customer: { email },
        cardOn: "subscription",
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
