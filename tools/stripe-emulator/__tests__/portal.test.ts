import Stripe from "stripe";
import { beforeEach, describe, expect, it, vi } from "vitest";
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
let customer: Stripe.Customer;
let sub: Stripe.Subscription;
let config: Stripe.BillingPortal.Configuration;

async function makeConfig(
  overrides: Partial<Stripe.BillingPortal.ConfigurationCreateParams.Features> = {},
): Promise<Stripe.BillingPortal.Configuration> {
  return h.stripe.billingPortal.configurations.create({
    business_profile: {
      headline: "Acme Billing",
      privacy_policy_url: "http://localhost:3000/privacy",
    },
    default_return_url: "http://localhost:3000/settings/billing",
    metadata: { app: "billing-done-right" },
    features: {
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true },
      customer_update: { enabled: true, allowed_updates: ["email", "name"] },
      subscription_cancel: {
        enabled: true,
        mode: "at_period_end",
        cancellation_reason: { enabled: true, options: ["too_expensive", "unused", "other"] },
      },
      subscription_update: {
        enabled: true,
        default_allowed_updates: ["price"],
        proration_behavior: "always_invoice",
        products: [
          { product: cat.basic.id, prices: [cat.basicMonthly.id] },
          { product: cat.pro.id, prices: [cat.proMonthly.id] },
        ],
      },
      ...overrides,
    },
  });
}

setupHarness(async (started, catalog) => {
  h = started;
  cat = catalog;
  ({ customer, sub } = await subscribedCustomer(h.stripe, cat.basicMonthly.id, {
    customer: { email: "portal@x.y", name: "Portal User" },
  }));
});

async function session(params: Partial<Stripe.BillingPortal.SessionCreateParams> = {}) {
  return h.stripe.billingPortal.sessions.create({
    customer: customer.id,
    return_url: "http://localhost:3000/settings/billing",
    ...params,
  });
}

describe("portal configuration and session validation", () => {
  it("refuses a session before any configuration exists in the mode", async () => {
    const err = await session().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((err as Error).message).toContain("default configuration has not been created");
  });

  it("round-trips configurations; the first one is the default", async () => {
    config = await makeConfig();
    expect(config.is_default).toBe(true);
    expect(config.features.subscription_update.products).toHaveLength(2);
    expect(config.features.subscription_cancel.cancellation_reason.options).toEqual([
      "too_expensive",
      "unused",
      "other",
    ]);
    const second = await makeConfig({ invoice_history: { enabled: false } });
    expect(second.is_default).toBe(false);
    const upd = await h.stripe.billingPortal.configurations.update(second.id, {
      business_profile: { headline: "Changed" },
      features: {
        subscription_cancel: { mode: "immediately", proration_behavior: "create_prorations" },
      },
      login_page: { enabled: true },
    });
    expect(upd.business_profile.headline).toBe("Changed");
    expect(upd.features.subscription_cancel).toMatchObject({ mode: "immediately", enabled: true });
    expect(upd.login_page.url).toMatch(/^http:\/\/localhost/);
    const list = await h.stripe.billingPortal.configurations.list({ is_default: true });
    expect(list.data.map((c) => c.id)).toEqual([config.id]);
    expect((await h.stripe.billingPortal.configurations.retrieve(second.id)).metadata).toEqual({
      app: "billing-done-right",
    });
    // Live mode has its own (empty) set of configurations.
    const liveCustomer = await h.live.customers.create({});
    await expect(
      h.live.billingPortal.sessions.create({ customer: liveCustomer.id }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });

  it("validates flow_data like Stripe", async () => {
    config = await makeConfig();
    const other = await h.stripe.customers.create({});
    const otherSub = await h.stripe.subscriptions.create({
      customer: other.id,
      items: [{ price: cat.basicMonthly.id }],
      trial_period_days: 3,
    });
    await expect(
      session({
        flow_data: {
          type: "subscription_cancel",
          subscription_cancel: { subscription: otherSub.id },
        },
      }),
    ).rejects.toMatchObject({
      statusCode: 400,
      param: "flow_data[subscription_cancel][subscription]",
    });
    const itemId = sub.items.data[0]!.id;
    const stray = await h.stripe.prices.create({
      product: cat.pro.id,
      currency: "usd",
      unit_amount: 9900,
      recurring: { interval: "month" },
    });
    await expect(
      session({
        flow_data: {
          type: "subscription_update_confirm",
          subscription_update_confirm: {
            subscription: sub.id,
            items: [{ id: itemId, price: stray.id }],
          },
        },
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
    // Stripe refuses subscription updates without payment method updates: both off.
    const noPm = await makeConfig({
      payment_method_update: { enabled: false },
      subscription_update: { enabled: false },
    });
    await expect(
      session({ configuration: noPm.id, flow_data: { type: "payment_method_update" } }),
    ).rejects.toMatchObject({ statusCode: 400, param: "flow_data[type]" });
    const ok = await session({
      flow_data: {
        type: "subscription_update_confirm",
        subscription_update_confirm: {
          subscription: sub.id,
          items: [{ id: itemId, price: cat.proMonthly.id }],
        },
        after_completion: {
          type: "redirect",
          redirect: { return_url: "http://localhost:3000/done" },
        },
      },
    });
    expect(ok.flow?.subscription_update_confirm?.items[0]?.price).toBe(cat.proMonthly.id);
    expect(ok.url).toMatch(/^http:\/\/localhost:\d+\/p\/session\/bps_/);
  });
});

describe("portal actions over plain HTML forms", () => {
  beforeEach(async () => {
    config = await makeConfig();
  });

  it("home shows plan, renewal, invoices and the return link", async () => {
    const s = await session();
    const page = await getPage(s.url);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Local Stripe emulator");
    expect(page.text).toContain("Basic");
    expect(page.text).toContain("Renews on");
    expect(page.text).toContain("Invoice history");
    expect(page.text).toContain("Return to Acme Billing");
    expect(page.text).toContain("visa •••• 4242");
  });

  it("cancel at period end (with reason), then undo", async () => {
    const s = await session();
    const cancelPage = await getPage(`${s.url}/subscriptions/${sub.id}/cancel`);
    expect(cancelPage.text).toContain("It&#39;s too expensive");
    let mark = await eventMark(h.stripe);
    const res = await postForm(`${s.url}/subscriptions/${sub.id}/cancel`, {
      reason: "too_expensive",
      comment: "meh",
    });
    expect(res.status).toBe(303);
    const events = await eventsSince(h.stripe, mark);
    expect(events.map((e) => e.type)).toEqual(["customer.subscription.updated"]);
    const updated = events[0]!.data.object as Stripe.Subscription;
    expect(updated).toMatchObject({
      cancel_at_period_end: true,
      cancel_at: sub.items.data[0]!.current_period_end,
    });
    expect(updated.cancellation_details).toMatchObject({
      feedback: "too_expensive",
      comment: "meh",
      reason: "cancellation_requested",
    });
    expect(events[0]!.data.previous_attributes).toMatchObject({
      cancel_at_period_end: false,
      cancel_at: null,
    });
    expect(events[0]!.request).toEqual({ id: null, idempotency_key: null });
    expect((await getPage(s.url)).text).toContain("Cancels on");

    mark = await eventMark(h.stripe);
    await postForm(`${s.url}/subscriptions/${sub.id}/renew`, {});
    expect(await typesSince(h.stripe, mark)).toEqual(["customer.subscription.updated"]);
    const after = await h.stripe.subscriptions.retrieve(sub.id);
    expect(after).toMatchObject({ cancel_at_period_end: false, cancel_at: null, status: "active" });
  });

  it("switch plan with always_invoice proration", async () => {
    const s = await session();
    const choose = await getPage(`${s.url}/subscriptions/${sub.id}/update`);
    expect(choose.text).toContain("Pro");
    const confirm = await getPage(
      `${s.url}/subscriptions/${sub.id}/update/confirm?price=${cat.proMonthly.id}`,
    );
    expect(confirm.text).toContain("Amount due today");
    const mark = await eventMark(h.stripe);
    const res = await postForm(`${s.url}/subscriptions/${sub.id}/update/confirm`, {
      price: cat.proMonthly.id,
      item: sub.items.data[0]!.id,
      quantity: "1",
    });
    expect(res.status).toBe(303);
    expect(await typesSince(h.stripe, mark)).toEqual([
      "customer.subscription.updated",
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
    ]);
    const after = await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(after.items.data[0]?.price.id).toBe(cat.proMonthly.id);
    expect((after.latest_invoice as Stripe.Invoice).billing_reason).toBe("subscription_update");
    // A price outside the configuration is refused.
    const stray = await h.stripe.prices.create({
      product: cat.pro.id,
      currency: "usd",
      unit_amount: 1,
      recurring: { interval: "month" },
    });
    const refused = await postForm(`${s.url}/subscriptions/${sub.id}/update/confirm`, {
      price: stray.id,
    });
    expect(refused.status).toBe(400);
  });

  it("update card: new default; a declined card shows an error and changes nothing", async () => {
    const s = await session();
    let mark = await eventMark(h.stripe);
    const declined = await postForm(`${s.url}/payment-methods`, {
      cardnumber: "4000000000000002",
      exp: "12/34",
    });
    expect(declined.status).toBe(402);
    expect(declined.text).toContain("Your card was declined.");
    expect(await typesSince(h.stripe, mark)).toEqual([]);
    mark = await eventMark(h.stripe);
    const ok = await postForm(`${s.url}/payment-methods`, {
      cardnumber: "5555 5555 5555 4444",
      exp: "10 / 30",
      name: "P",
    });
    expect(ok.status).toBe(303);
    const events = await eventsSince(h.stripe, mark);
    expect(events.map((e) => e.type)).toEqual(["payment_method.attached", "customer.updated"]);
    const pm = events[0]!.data.object as Stripe.PaymentMethod;
    expect(pm.card).toMatchObject({
      brand: "mastercard",
      last4: "4444",
      exp_month: 10,
      exp_year: 2030,
    });
    const c = await h.stripe.customers.retrieve(customer.id);
    expect(!c.deleted && c.invoice_settings.default_payment_method).toBe(pm.id);
    // Remove the old card.
    const old = (await h.stripe.paymentMethods.list({ customer: customer.id })).data.find(
      (x) => x.id !== pm.id,
    )!;
    mark = await eventMark(h.stripe);
    await postForm(`${s.url}/payment-methods/${old.id}/delete`, {});
    expect(await typesSince(h.stripe, mark)).toEqual(["payment_method.detached"]);
  });

  it("update customer information", async () => {
    const s = await session();
    const mark = await eventMark(h.stripe);
    await postForm(`${s.url}/customer`, { name: "New Name", email: "new@x.y", phone: "ignored" });
    const events = await eventsSince(h.stripe, mark);
    expect(events.map((e) => e.type)).toEqual(["customer.updated"]);
    expect(events[0]!.data.object).toMatchObject({
      name: "New Name",
      email: "new@x.y",
      phone: null,
    });
  });

  it("per-seat quantity changes and address updates", async () => {
    const seats = await makeConfig({
      customer_update: { enabled: true, allowed_updates: ["address", "name"] },
      subscription_update: {
        enabled: true,
        default_allowed_updates: ["price", "quantity"],
        proration_behavior: "create_prorations",
        products: [
          {
            product: cat.basic.id,
            prices: [cat.basicMonthly.id],
            adjustable_quantity: { enabled: true, minimum: 1, maximum: 50 },
          },
        ],
      },
    });
    expect(seats.features.subscription_update.products?.[0]?.adjustable_quantity).toEqual({
      enabled: true,
      minimum: 1,
      maximum: 50,
    });
    const s = await session({ configuration: seats.id });
    expect((await getPage(`${s.url}/subscriptions/${sub.id}/update`)).text).toContain(
      "Update quantity",
    );
    const mark = await eventMark(h.stripe);
    await postForm(`${s.url}/subscriptions/${sub.id}/update/confirm`, {
      price: cat.basicMonthly.id,
      item: sub.items.data[0]!.id,
      quantity: "5",
    });
    const events = await eventsSince(h.stripe, mark);
    // create_prorations: the proration is a pending invoice item for the next invoice.
    expect(events.map((e) => e.type)).toEqual([
      "customer.subscription.updated",
      "invoiceitem.created",
      "invoiceitem.created",
    ]);
    expect((events[0]!.data.object as Stripe.Subscription).items.data[0]?.quantity).toBe(5);
    await postForm(`${s.url}/customer`, {
      name: "Addr",
      address_line1: "1 Main St",
      address_country: "US",
    });
    const c = await h.stripe.customers.retrieve(customer.id);
    expect(!c.deleted && c.address).toMatchObject({
      line1: "1 Main St",
      country: "US",
      city: null,
    });
  });

  it("downgrades wait for the period end when schedule_at_period_end says so", async () => {
    const onPro = await h.stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: cat.proMonthly.id }],
      proration_behavior: "none",
    });
    const cfg = await makeConfig({
      subscription_update: {
        enabled: true,
        default_allowed_updates: ["price"],
        proration_behavior: "create_prorations",
        schedule_at_period_end: { conditions: [{ type: "decreasing_item_amount" }] },
        products: [
          { product: cat.basic.id, prices: [cat.basicMonthly.id] },
          { product: cat.pro.id, prices: [cat.proMonthly.id] },
        ],
      },
    });
    const s = await session({ configuration: cfg.id });
    const confirm = await getPage(
      `${s.url}/subscriptions/${sub.id}/update/confirm?price=${cat.basicMonthly.id}`,
    );
    expect(confirm.text).toContain("Your plan changes on");
    const mark = await eventMark(h.stripe);
    await postForm(`${s.url}/subscriptions/${sub.id}/update/confirm`, {
      price: cat.basicMonthly.id,
    });
    // A subscription schedule holds the change (see schedules.test.ts for the details).
    expect(await typesSince(h.stripe, mark)).toEqual([
      "subscription_schedule.created",
      "customer.subscription.updated",
    ]);
    expect((await h.stripe.subscriptions.retrieve(sub.id)).schedule).toMatch(/^sub_sched_/);
    expect((await getPage(s.url)).text).toContain("Changes to Basic");
    await h.ctl.advanceClock({ to: onPro.items.data[0]!.current_period_end + 10 });
    const after = await h.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(after.items.data[0]?.price.id).toBe(cat.basicMonthly.id);
    expect((after.latest_invoice as Stripe.Invoice).total).toBe(1000);
  });

  it("create_prorations adds proration lines to the next renewal invoice", async () => {
    await h.stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: cat.proMonthly.id }],
      proration_behavior: "create_prorations",
    });
    expect((await h.stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(1);
    await h.ctl.advanceClock({ to: sub.items.data[0]!.current_period_end + 10 });
    const inv = (await h.stripe.invoices.list({ subscription: sub.id, limit: 1 })).data[0]!;
    expect(inv.lines.data).toHaveLength(3);
    expect(
      inv.lines.data.filter((l) => l.parent?.subscription_item_details?.proration),
    ).toHaveLength(2);
    expect(inv.total).toBeGreaterThan(3000);
  });

  it("immediate cancel sends customer.subscription.deleted", async () => {
    const immediate = await makeConfig({
      subscription_cancel: { enabled: true, mode: "immediately" },
    });
    const s = await session({ configuration: immediate.id });
    const mark = await eventMark(h.stripe);
    await postForm(`${s.url}/subscriptions/${sub.id}/cancel`, {});
    expect(await typesSince(h.stripe, mark)).toEqual(["customer.subscription.deleted"]);
    expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
  });

  it("flows show only their action and follow after_completion", async () => {
    const redirectFlow = await session({
      flow_data: {
        type: "subscription_cancel",
        subscription_cancel: { subscription: sub.id },
        after_completion: {
          type: "redirect",
          redirect: { return_url: "http://localhost:3000/after" },
        },
      },
    });
    const page = await getPage(redirectFlow.url);
    expect(page.text).toContain("Cancel your plan");
    expect(page.text).not.toContain("Invoice history");
    const res = await postForm(`${redirectFlow.url}/subscriptions/${sub.id}/cancel`, {});
    expect(res.location).toBe("http://localhost:3000/after");
    // After completion the session falls back to the full portal.
    expect((await getPage(redirectFlow.url)).text).toContain("Invoice history");

    const confirmFlow = await session({
      flow_data: {
        type: "subscription_update_confirm",
        subscription_update_confirm: {
          subscription: sub.id,
          items: [{ id: sub.items.data[0]!.id, price: cat.proMonthly.id }],
        },
        after_completion: {
          type: "hosted_confirmation",
          hosted_confirmation: { custom_message: "Welcome to Pro" },
        },
      },
    });
    // Renew first: a scheduled cancel hides plan changes in this emulator.
    await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
    const confirmPage = await getPage(confirmFlow.url);
    expect(confirmPage.text).toContain("Confirm your new plan");
    const done = await postForm(`${confirmFlow.url}/subscriptions/${sub.id}/update/confirm`, {
      price: cat.proMonthly.id,
      item: sub.items.data[0]!.id,
    });
    expect(done.location).toMatch(/\/done/);
    expect((await getPage(`${h.emu.url}${done.location}`)).text).toContain("Welcome to Pro");

    const pmFlow = await session({ flow_data: { type: "payment_method_update" } });
    expect((await getPage(pmFlow.url)).text).toContain("Card details");
    const home = await postForm(`${pmFlow.url}/payment-methods`, {
      cardnumber: "4242424242424242",
    });
    expect(home.location).toMatch(/\/p\/session\/bps_[^/]+\?notice=/);
  });

  it("portal URLs expire when not opened within 5 minutes", async () => {
    const s = await session();
    const realNow = Date.now();
    const spy = vi.spyOn(Date, "now").mockReturnValue(realNow + 6 * 60_000);
    try {
      const page = await getPage(s.url);
      expect(page.status).toBe(410);
      expect(page.text).toContain("expired");
    } finally {
      spy.mockRestore();
    }
  });

  it("customers.retrieve can expand subscriptions; subscription items list", async () => {
    const c = await h.stripe.customers.retrieve(customer.id, { expand: ["subscriptions"] });
    expect(!c.deleted && c.subscriptions?.data.map((x) => x.id)).toEqual([sub.id]);
    const items = await h.stripe.subscriptionItems.list({ subscription: sub.id });
    expect(items.data[0]?.id).toBe(sub.items.data[0]!.id);
  });

  it("a session cannot act on another customer's subscription", async () => {
    const other = await h.stripe.customers.create({});
    const otherSub = await h.stripe.subscriptions.create({
      customer: other.id,
      items: [{ price: cat.basicMonthly.id }],
      trial_period_days: 5,
    });
    const s = await session();
    const res = await postForm(`${s.url}/subscriptions/${otherSub.id}/cancel`, {});
    expect(res.status).toBe(404);
    expect((await h.stripe.subscriptions.retrieve(otherSub.id)).cancel_at_period_end).toBe(false);
  });
});
