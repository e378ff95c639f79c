/**
 * Behaviour 9 of issue 12: Stripe's 3-D Secure test cards, `invoice.payment_action_required`,
 * the hosted invoice page's authentication, Checkout's authentication step and `incomplete`.
 */
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  customerWithCard,
  eventMark,
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

/** The status of the invoice's default payment, as an app reads it in API 2026-10-28. */
async function paymentStatus(invoiceId: string): Promise<string | null> {
  const inv = await h.stripe.invoices.retrieve(invoiceId, {
    expand: ["payments.data.payment.payment_intent"],
  });
  const pi = inv.payments?.data.find((p) => p.is_default)?.payment.payment_intent;
  return pi && typeof pi === "object" ? pi.status : null;
}

async function customerWith(card: string): Promise<{ customer: string; pm: string }> {
  const { customer, pm } = await customerWithCard(
    h.stripe,
    card,
    { email: "sca@x.y" },
    { asDefault: false },
  );
  return { customer: customer.id, pm: pm.id };
}

describe("off-session renewal with a card that always requires authentication", () => {
  async function renewalNeedingAction(card: string) {
    const { customer, sub } = await subscribedCustomer(h.stripe, cat.proMonthly.id, {
      customer: { email: "sca@x.y" },
      cardOn: "subscription",
    });
    const sca = await h.stripe.paymentMethods.attach(card, { customer: customer.id });
    await h.stripe.subscriptions.update(sub.id, { default_payment_method: sca.id });
    const mark = await eventMark(h.stripe);
    await h.ctl.advanceClock({ days: 32 });
    const types = await typesSince(h.stripe, mark);
    const after = await h.stripe.subscriptions.retrieve(sub.id);
    return { sub: after, types, invoiceId: String(after.latest_invoice) };
  }

  for (const card of ["pm_card_authenticationRequired", "pm_card_threeDSecure2Required"]) {
    it(`${card}: past_due, open invoice, invoice.payment_action_required`, async () => {
      const { sub, types, invoiceId } = await renewalNeedingAction(card);
      expect(sub.status).toBe("past_due");
      expect(types).toEqual([
        "invoice.upcoming",
        "customer.subscription.updated",
        "invoice.created",
        "invoice.finalized",
        "invoice.payment_failed",
        "invoice.payment_action_required",
        "invoice.updated",
      ]);
      const inv = await h.stripe.invoices.retrieve(invoiceId);
      expect(inv.status).toBe("open");
      // `payments` is includable: absent unless expanded, like Stripe.
      expect(inv.payments).toBeUndefined();
      expect(await paymentStatus(invoiceId)).toBe("requires_action");
    });
  }

  it("the hosted invoice page completes authentication: paid, active", async () => {
    const { sub, invoiceId } = await renewalNeedingAction("pm_card_authenticationRequired");
    const inv = await h.stripe.invoices.retrieve(invoiceId);
    const page = await getPage(inv.hosted_invoice_url!);
    expect(page.text).toContain("Complete authentication");
    expect(page.text).toContain("Fail authentication");
    const mark = await eventMark(h.stripe);
    const res = await postForm(`${inv.hosted_invoice_url!}/authenticate`, { outcome: "complete" });
    expect(res.status).toBe(303);
    expect(await typesSince(h.stripe, mark)).toEqual([
      "invoice.paid",
      "invoice.payment_succeeded",
      "customer.subscription.updated",
    ]);
    expect((await h.stripe.invoices.retrieve(invoiceId)).status).toBe("paid");
    expect(await paymentStatus(invoiceId)).toBe("succeeded");
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });

  it("failing authentication leaves the invoice open and the subscription past_due", async () => {
    const { sub, invoiceId } = await renewalNeedingAction("pm_card_authenticationRequired");
    const inv = await h.stripe.invoices.retrieve(invoiceId);
    const mark = await eventMark(h.stripe);
    const res = await postForm(`${inv.hosted_invoice_url!}/authenticate`, { outcome: "fail" });
    expect(res.status).toBe(303);
    expect(await typesSince(h.stripe, mark)).toEqual(["invoice.payment_failed", "invoice.updated"]);
    expect((await h.stripe.invoices.retrieve(invoiceId)).status).toBe("open");
    expect(await paymentStatus(invoiceId)).toBe("requires_payment_method");
    expect((await getPage(inv.hosted_invoice_url!)).text).not.toContain("Complete authentication");
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
  });
});

describe("incomplete subscriptions", () => {
  it("allow_incomplete with an authentication card: incomplete, then paid on the hosted page", async () => {
    const { customer, pm } = await customerWith("pm_card_authenticationRequired");
    const mark = await eventMark(h.stripe);
    const sub = await h.stripe.subscriptions.create({
      customer,
      items: [{ price: cat.proMonthly.id }],
      default_payment_method: pm,
      payment_behavior: "allow_incomplete",
    });
    expect(sub.status).toBe("incomplete");
    expect(await typesSince(h.stripe, mark)).toContain("invoice.payment_action_required");
    const inv = await h.stripe.invoices.retrieve(String(sub.latest_invoice));
    expect(inv.status).toBe("open");
    await postForm(`${inv.hosted_invoice_url!}/authenticate`, { outcome: "complete" });
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });

  it("default_incomplete: incomplete with an open, unattempted invoice; expires after 23 hours", async () => {
    const { customer, pm } = await customerWith("pm_card_visa");
    const sub = await h.stripe.subscriptions.create({
      customer,
      items: [{ price: cat.proMonthly.id }],
      default_payment_method: pm,
      payment_behavior: "default_incomplete",
    });
    expect(sub.status).toBe("incomplete");
    const inv = await h.stripe.invoices.retrieve(String(sub.latest_invoice));
    expect(inv).toMatchObject({ status: "open", attempt_count: 0 });
    await h.ctl.advanceClock({ seconds: 22 * 3600 });
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("incomplete");
    const mark = await eventMark(h.stripe);
    await h.ctl.advanceClock({ seconds: 2 * 3600 });
    expect(await typesSince(h.stripe, mark)).toContain("customer.subscription.updated");
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("incomplete_expired");
    expect((await h.stripe.invoices.retrieve(inv.id)).status).toBe("void");
  });

  it("error_if_incomplete with an authentication card is refused and stores nothing", async () => {
    const { customer, pm } = await customerWith("pm_card_authenticationRequired");
    const err = await h.stripe.subscriptions
      .create({
        customer,
        items: [{ price: cat.proMonthly.id }],
        default_payment_method: pm,
        payment_behavior: "error_if_incomplete",
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((await h.stripe.subscriptions.list({ customer, status: "all" })).data).toHaveLength(0);
  });
});

describe("Checkout with a 3-D Secure card", () => {
  async function openSession() {
    return h.stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: cat.proMonthly.id, quantity: 1 }],
      success_url: "http://localhost:3000/ok?session_id={CHECKOUT_SESSION_ID}",
      customer_email: "sca@x.y",
    });
  }
  const card = { email: "sca@x.y", cardnumber: "4000 0027 6000 3184", exp: "12/34" };

  it("shows an authentication step first; completing it subscribes", async () => {
    const session = await openSession();
    const mark = await eventMark(h.stripe);
    const step = await postForm(session.url!, card);
    expect(step.status).toBe(200);
    expect(step.text).toContain("Complete authentication");
    expect(await typesSince(h.stripe, mark)).toEqual([]);
    const done = await postForm(`${session.url!}/authenticate`, { ...card, outcome: "complete" });
    expect(done.status).toBe(303);
    expect(done.location).toBe(`http://localhost:3000/ok?session_id=${session.id}`);
    const completed = await h.stripe.checkout.sessions.retrieve(session.id);
    expect(completed.status).toBe("complete");
    const sub = await h.stripe.subscriptions.retrieve(String(completed.subscription));
    expect(sub.status).toBe("active");
    expect((await h.stripe.invoices.retrieve(String(sub.latest_invoice))).status).toBe("paid");
  });

  it("failing authentication shows Stripe's error and creates nothing", async () => {
    const session = await openSession();
    const mark = await eventMark(h.stripe);
    const failed = await postForm(`${session.url!}/authenticate`, { ...card, outcome: "fail" });
    expect(failed.status).toBe(402);
    expect(failed.text).toContain("We are unable to authenticate your payment method.");
    expect(await typesSince(h.stripe, mark)).toEqual([]);
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
  });
});
