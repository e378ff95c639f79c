/**
 * Behaviour 1 of issue 12: a card added in the portal becomes the *customer's* invoice default
 * only. A subscription created by Checkout keeps its own `default_payment_method`, which wins:
 * retries keep charging the old card and nothing is paid at once.
 */
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  eventMark,
  postForm,
  typesSince,
  setupHarness,
  type Catalog,
  type Harness,
} from "./helpers";

let h: Harness;
let cat: Catalog;
setupHarness(async (started, catalog) => {
  h = started;
  cat = catalog;
  await h.stripe.billingPortal.configurations.create({
    features: { payment_method_update: { enabled: true }, invoice_history: { enabled: true } },
  });
});

/** Checkout with a good card, then the subscription's own card is swapped for one that fails. */
async function pastDueCheckoutSubscription(): Promise<{
  customer: string;
  sub: Stripe.Subscription;
  failing: string;
}> {
  const session = await h.stripe.checkout.sessions.create({
    mode: "subscription",
    line_items: [{ price: cat.proMonthly.id, quantity: 1 }],
    success_url: "http://localhost:3000/ok",
    customer_email: "strict@x.y",
  });
  const paid = await postForm(session.url!, {
    email: "strict@x.y",
    cardnumber: "4242424242424242",
    exp: "12/34",
  });
  expect(paid.status).toBe(303);
  const done = await h.stripe.checkout.sessions.retrieve(session.id);
  const customer = String(done.customer);
  let sub = await h.stripe.subscriptions.retrieve(String(done.subscription));
  // Checkout sets the subscription's own default card, not the customer's.
  expect(sub.default_payment_method).toMatch(/^pm_/);
  const c = await h.stripe.customers.retrieve(customer);
  expect(!c.deleted && c.invoice_settings.default_payment_method).toBeNull();

  const failing = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer });
  await h.stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
  await h.ctl.advanceClock({ days: 32 });
  sub = await h.stripe.subscriptions.retrieve(sub.id);
  expect(sub.status).toBe("past_due");
  return { customer, sub, failing: failing.id };
}

async function portalUrl(customer: string): Promise<string> {
  const s = await h.stripe.billingPortal.sessions.create({ customer });
  return s.url;
}

describe("portal cards and the subscription's own default", () => {
  it("adding a card sets only the customer's default; the open invoice stays open", async () => {
    const { customer, sub, failing } = await pastDueCheckoutSubscription();
    const url = await portalUrl(customer);
    const mark = await eventMark(h.stripe);
    const added = await postForm(`${url}/payment-methods`, {
      cardnumber: "5555 5555 5555 4444",
      exp: "12/34",
    });
    expect(added.status).toBe(303);
    expect(await typesSince(h.stripe, mark)).toEqual([
      "payment_method.attached",
      "customer.updated",
    ]);
    const c = await h.stripe.customers.retrieve(customer);
    const newCard = !c.deleted ? c.invoice_settings.default_payment_method : null;
    expect(newCard).toMatch(/^pm_/);
    expect(newCard).not.toBe(failing);

    const after = await h.stripe.subscriptions.retrieve(sub.id);
    expect(after.default_payment_method).toBe(failing);
    expect(after.status).toBe("past_due");
    const open = await h.stripe.invoices.retrieve(String(after.latest_invoice));
    expect(open.status).toBe("open");

    // Stripe's retry charges the subscription's own card again, which still fails.
    await h.ctl.advanceClock({ days: 3 });
    expect((await h.stripe.invoices.retrieve(open.id)).status).toBe("open");
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");

    // What the app must do: the subscription gets the new card, and the invoice is paid.
    await h.stripe.subscriptions.update(sub.id, { default_payment_method: String(newCard) });
    const paid = await h.stripe.invoices.pay(open.id);
    expect(paid.status).toBe("paid");
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });

  it("'Make default' touches only the customer; a retry uses the customer's card once the subscription has none", async () => {
    const { customer, sub, failing } = await pastDueCheckoutSubscription();
    const good = await h.stripe.paymentMethods.attach("pm_card_visa", { customer });
    const url = await portalUrl(customer);
    const mark = await eventMark(h.stripe);
    const res = await postForm(`${url}/payment-methods/${good.id}/default`, {});
    expect(res.status).toBe(303);
    expect(await typesSince(h.stripe, mark)).toEqual(["customer.updated"]);
    const after = await h.stripe.subscriptions.retrieve(sub.id);
    expect(after.default_payment_method).toBe(failing);
    expect((await h.stripe.invoices.retrieve(String(after.latest_invoice))).status).toBe("open");

    // Cleared on the subscription: the customer's invoice default applies to the next retry.
    await h.stripe.subscriptions.update(sub.id, { default_payment_method: "" });
    await h.ctl.advanceClock({ days: 3 });
    expect((await h.stripe.invoices.retrieve(String(after.latest_invoice))).status).toBe("paid");
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });
});
