import Stripe from "stripe";
import { DEFAULT_ACCOUNT_API_VERSION } from "../webhooks/events";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startStripeEmulator } from "../server";
import { seedCatalog, startHarness, type Harness } from "./helpers";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.stop());

describe("API round trips through the real SDK", () => {
  it("customers: create, retrieve, update, list by email, delete", async () => {
    const c = await h.stripe.customers.create({
      email: "round@trip.test",
      name: "Round Trip",
      metadata: { userId: "u_1" },
    });
    expect(c.id).toMatch(/^cus_/);
    expect(c.livemode).toBe(false);
    expect(c.metadata).toEqual({ userId: "u_1" });
    const got = await h.stripe.customers.retrieve(c.id);
    expect(got.deleted).toBeUndefined();
    const upd = await h.stripe.customers.update(c.id, {
      name: "Renamed",
      metadata: { userId: "", plan: "x" },
    });
    expect(upd.name).toBe("Renamed");
    expect(upd.metadata).toEqual({ plan: "x" });
    const list = await h.stripe.customers.list({ email: "round@trip.test" });
    expect(list.data.map((x) => x.id)).toEqual([c.id]);
    const del = await h.stripe.customers.del(c.id);
    expect(del).toMatchObject({ id: c.id, deleted: true });
    const after = await h.stripe.customers.retrieve(c.id);
    expect(after.deleted).toBe(true);
  });

  it("products and prices: lookup_keys, transfer_lookup_key, filters, product_data", async () => {
    const { basic, basicMonthly } = await seedCatalog(h.stripe);
    expect(basicMonthly.recurring?.interval).toBe("month");
    const byKey = await h.stripe.prices.list({
      lookup_keys: ["basic_monthly"],
      expand: ["data.product"],
    });
    expect(byKey.data).toHaveLength(1);
    expect((byKey.data[0]?.product as Stripe.Product).name).toBe("Basic");
    const replacement = await h.stripe.prices.create({
      product: basic.id,
      currency: "usd",
      unit_amount: 1200,
      recurring: { interval: "month" },
      lookup_key: "basic_monthly",
      transfer_lookup_key: true,
    });
    const again = await h.stripe.prices.list({ lookup_keys: ["basic_monthly"] });
    expect(again.data.map((p) => p.id)).toEqual([replacement.id]);
    expect((await h.stripe.prices.retrieve(basicMonthly.id)).lookup_key).toBeNull();
    await expect(
      h.stripe.prices.create({
        product: basic.id,
        currency: "usd",
        unit_amount: 1,
        lookup_key: "basic_monthly",
      }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const inactive = await h.stripe.prices.update(basicMonthly.id, { active: false });
    expect(inactive.active).toBe(false);
    const active = await h.stripe.prices.list({ product: basic.id, active: true });
    expect(active.data.map((p) => p.id)).toEqual([replacement.id]);
    const inline = await h.stripe.prices.create({
      currency: "eur",
      unit_amount: 500,
      recurring: { interval: "year" },
      product_data: { name: "Inline" },
    });
    expect((await h.stripe.products.retrieve(String(inline.product))).name).toBe("Inline");
    const prod = await h.stripe.products.update(basic.id, {
      name: "Basic 2",
      metadata: { tier: "1" },
    });
    expect(prod).toMatchObject({ name: "Basic 2", metadata: { tier: "1" } });
  });

  it("prices.list refuses more than 10 lookup_keys, like Stripe", async () => {
    const product = await h.stripe.products.create({ name: "Many keys" });
    const keys = Array.from({ length: 11 }, (_, i) => `many_keys_${i}`);
    for (const lookup_key of keys) {
      await h.stripe.prices.create({
        product: product.id,
        currency: "usd",
        unit_amount: 100,
        lookup_key,
      });
    }
    const ten = await h.stripe.prices.list({ lookup_keys: keys.slice(0, 10), limit: 100 });
    expect(ten.data).toHaveLength(10);
    const error = await h.stripe.prices.list({ lookup_keys: keys, limit: 100 }).catch((e) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({
      statusCode: 400,
      type: "StripeInvalidRequestError",
      param: "lookup_keys",
      message: "Array lookup_keys exceeded maximum 10 allowed elements.",
    });
  });

  it("payment methods: attach clones pm_card_visa, list, default, detach, declines", async () => {
    const c = await h.stripe.customers.create({ email: "pm@test.test" });
    const visa = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: c.id });
    expect(visa.id).toMatch(/^pm_/);
    expect(visa.id).not.toBe("pm_card_visa");
    expect(visa.card).toMatchObject({ brand: "visa", last4: "4242" });
    const mc = await h.stripe.paymentMethods.attach("pm_card_mastercard", { customer: c.id });
    expect(mc.card?.last4).toBe("4444");
    const amex = await h.stripe.paymentMethods.attach("pm_card_amex", { customer: c.id });
    expect(amex.card?.brand).toBe("amex");
    const list = await h.stripe.paymentMethods.list({ customer: c.id, type: "card" });
    expect(list.data.map((p) => p.id)).toEqual([amex.id, mc.id, visa.id]);
    const viaCustomer = await h.stripe.customers.listPaymentMethods(c.id, { limit: 1 });
    expect(viaCustomer.has_more).toBe(true);
    const upd = await h.stripe.customers.update(c.id, {
      invoice_settings: { default_payment_method: visa.id },
      expand: ["invoice_settings.default_payment_method"],
    });
    expect((upd.invoice_settings.default_payment_method as Stripe.PaymentMethod).card?.last4).toBe(
      "4242",
    );
    const detached = await h.stripe.paymentMethods.detach(visa.id);
    expect(detached.customer).toBeNull();
    const cust = await h.stripe.customers.retrieve(c.id);
    expect(!cust.deleted && cust.invoice_settings.default_payment_method).toBeNull();
    const err = await h.stripe.paymentMethods
      .attach("pm_card_chargeDeclined", { customer: c.id })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({
      code: "card_declined",
      decline_code: "generic_decline",
      statusCode: 402,
    });
    const failLater = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: c.id,
    });
    expect(failLater.card?.last4).toBe("0341");
    expect((await h.stripe.paymentMethods.retrieve(failLater.id)).customer).toBe(c.id);
  });

  it("subscriptions: create, periods on items, expand, update price with always_invoice, cancel", async () => {
    const { basicMonthly: basic, proMonthly: pro } = await seedCatalog(h.stripe);
    const c = await h.stripe.customers.create({ email: "sub@test.test" });
    const pm = await h.stripe.paymentMethods.attach("pm_card_visa", { customer: c.id });
    const sub = await h.stripe.subscriptions.create({
      customer: c.id,
      items: [{ price: basic.id, quantity: 2 }],
      default_payment_method: pm.id,
      metadata: { userId: "u" },
      expand: ["latest_invoice", "default_payment_method", "customer"],
    });
    expect(sub.status).toBe("active");
    const item = sub.items.data[0];
    if (!item) throw new Error("no item");
    expect(item.current_period_end).toBeGreaterThan(item.current_period_start);
    expect("current_period_end" in sub).toBe(false);
    const inv = sub.latest_invoice as Stripe.Invoice;
    expect(inv).toMatchObject({
      status: "paid",
      total: 2000,
      amount_paid: 2000,
      billing_reason: "subscription_create",
    });
    expect(inv.parent?.subscription_details?.subscription).toBe(sub.id);
    expect(inv.hosted_invoice_url).toMatch(/^http:\/\/localhost:\d+\/i\/in_/);
    const pdf = await fetch(String(inv.invoice_pdf));
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect((await pdf.text()).startsWith("%PDF-1.4")).toBe(true);
    expect((sub.default_payment_method as Stripe.PaymentMethod).id).toBe(pm.id);
    expect((sub.customer as Stripe.Customer).email).toBe("sub@test.test");

    const upgraded = await h.stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, price: pro.id }],
      proration_behavior: "always_invoice",
      expand: ["latest_invoice"],
    });
    expect(upgraded.items.data[0]?.price.id).toBe(pro.id);
    const proration = upgraded.latest_invoice as Stripe.Invoice;
    expect(proration.billing_reason).toBe("subscription_update");
    expect(proration.total).toBeGreaterThan(0);
    expect(proration.status).toBe("paid");

    const scheduled = await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(scheduled.cancel_at_period_end).toBe(true);
    expect(scheduled.cancel_at).toBe(item.current_period_end);
    const undone = await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
    expect(undone.cancel_at).toBeNull();
    const at = item.current_period_start + 86400 * 10;
    const cancelAt = await h.stripe.subscriptions.update(sub.id, { cancel_at: at });
    expect(cancelAt).toMatchObject({ cancel_at: at, cancel_at_period_end: false });

    const canceled = await h.stripe.subscriptions.cancel(sub.id);
    expect(canceled.status).toBe("canceled");
    expect(canceled.ended_at).not.toBeNull();
    expect(canceled.canceled_at).not.toBeNull();
    expect((await h.stripe.subscriptions.list({ customer: c.id })).data).toHaveLength(0);
    expect(
      (await h.stripe.subscriptions.list({ customer: c.id, status: "all" })).data,
    ).toHaveLength(1);
    expect(
      (await h.stripe.subscriptions.list({ customer: c.id, status: "canceled" })).data,
    ).toHaveLength(1);
    const invoices = await h.stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data.length).toBe(2);
    expect((await h.stripe.invoices.list({ customer: c.id, status: "paid" })).data.length).toBe(2);
    expect((await h.stripe.invoices.retrieve(proration.id)).id).toBe(proration.id);
  });

  it("subscriptions: trials, failing card, error_if_incomplete", async () => {
    const { basicMonthly } = await seedCatalog(h.stripe);
    const c = await h.stripe.customers.create({});
    const trial = await h.stripe.subscriptions.create({
      customer: c.id,
      items: [{ price: basicMonthly.id }],
      trial_period_days: 14,
    });
    expect(trial.status).toBe("trialing");
    expect(trial.trial_end! - trial.trial_start!).toBe(14 * 86400);
    expect(trial.items.data[0]?.current_period_end).toBe(trial.trial_end);
    const bad = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: c.id,
    });
    const incomplete = await h.stripe.subscriptions.create({
      customer: c.id,
      items: [{ price: basicMonthly.id }],
      default_payment_method: bad.id,
      expand: ["latest_invoice"],
    });
    expect(incomplete.status).toBe("incomplete");
    expect((incomplete.latest_invoice as Stripe.Invoice).status).toBe("open");
    await expect(
      h.stripe.subscriptions.create({
        customer: c.id,
        items: [{ price: basicMonthly.id }],
        default_payment_method: bad.id,
        payment_behavior: "error_if_incomplete",
      }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeCardError);
  });
});

describe("errors, idempotency, modes, lists", () => {
  it("401 without or with a malformed key", async () => {
    const res = await fetch(`${h.emu.url}/v1/customers`);
    expect(res.status).toBe(401);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    const body = (await res.json()) as { error: { type: string } };
    expect(body.error.type).toBe("invalid_request_error");
    const bad = new Stripe("not_a_key", { host: "localhost", port: h.emu.port, protocol: "http" });
    await expect(bad.customers.list()).rejects.toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
  });

  it("400 parameter_missing / parameter_unknown and 404 resource_missing", async () => {
    const missing = await h.stripe.subscriptions
      .create({ customer: "", items: [] } as Stripe.SubscriptionCreateParams)
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({ code: "parameter_missing", param: "customer" });
    const unknown = await h.stripe.customers
      .create({ nope: "x" } as Stripe.CustomerCreateParams)
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: "parameter_unknown", param: "nope" });
    const notFound = await h.stripe.subscriptions.retrieve("sub_missing").catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(notFound).toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it("idempotency: replay and mismatch; keys scoped per mode", async () => {
    const key = `idem_${Date.now()}`;
    const a = await h.stripe.customers.create({ email: "i@d.em" }, { idempotencyKey: key });
    const b = await h.stripe.customers.create({ email: "i@d.em" }, { idempotencyKey: key });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers["idempotent-replayed"]).toBe("true");
    const mismatch = await h.stripe.customers
      .create({ email: "other@d.em" }, { idempotencyKey: key })
      .catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    const live = await h.live.customers.create({ email: "i@d.em" }, { idempotencyKey: key });
    expect(live.id).not.toBe(a.id);
    expect(live.livemode).toBe(true);
  });

  it("test and live data are invisible to each other", async () => {
    const t = await h.stripe.customers.create({ email: "mode@test.test" });
    const l = await h.live.customers.create({ email: "mode@test.test" });
    await expect(h.live.customers.retrieve(t.id)).rejects.toMatchObject({ statusCode: 404 });
    await expect(h.stripe.customers.retrieve(l.id)).rejects.toMatchObject({ statusCode: 404 });
    expect(
      (await h.live.customers.list({ email: "mode@test.test" })).data.map((c) => c.id),
    ).toEqual([l.id]);
    const lEvents = await h.live.events.list({ limit: 100 });
    expect(lEvents.data.every((e) => e.livemode)).toBe(true);
  });

  it("pagination: limit, starting_after, ending_before, auto-pagination", async () => {
    const tag = `page_${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++)
      ids.push((await h.stripe.customers.create({ email: `${tag}@x.y`, name: String(i) })).id);
    const newest = [...ids].reverse();
    const p1 = await h.stripe.customers.list({ email: `${tag}@x.y`, limit: 3 });
    expect(p1).toMatchObject({ object: "list", has_more: true, url: "/v1/customers" });
    expect(p1.data.map((c) => c.id)).toEqual(newest.slice(0, 3));
    const p2 = await h.stripe.customers.list({
      email: `${tag}@x.y`,
      limit: 3,
      starting_after: p1.data[2]!.id,
    });
    expect(p2.data.map((c) => c.id)).toEqual(newest.slice(3, 6));
    const back = await h.stripe.customers.list({
      email: `${tag}@x.y`,
      limit: 2,
      ending_before: p2.data[0]!.id,
    });
    expect(back.data.map((c) => c.id)).toEqual(newest.slice(1, 3));
    const all: string[] = [];
    for await (const c of h.stripe.customers.list({ email: `${tag}@x.y`, limit: 2 }))
      all.push(c.id);
    expect(all).toEqual(newest);
    await expect(h.stripe.customers.list({ limit: 101 })).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
  });

  it("events: retrieve, filter by type/types/created", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const c = await h.stripe.customers.create({ email: "ev@x.y" });
    await h.stripe.customers.update(c.id, { name: "E" });
    const created = await h.stripe.events.list({
      type: "customer.created",
      created: { gte: since },
    });
    const mine = created.data.find((e) => (e.data.object as Stripe.Customer).id === c.id);
    expect(mine).toBeDefined();
    expect(mine).toMatchObject({
      object: "event",
      // Stored events carry the account's default version (endpoints get their own).
      api_version: DEFAULT_ACCOUNT_API_VERSION,
      livemode: false,
    });
    expect(mine?.request?.id).toMatch(/^req_/);
    const updated = await h.stripe.events.list({
      types: ["customer.updated"],
      created: { gte: since },
    });
    const upd = updated.data.find((e) => (e.data.object as Stripe.Customer).id === c.id);
    expect(upd?.data.previous_attributes).toEqual({ name: null });
    const wildcard = await h.stripe.events.list({ type: "customer.*", created: { gte: since } });
    expect(wildcard.data.length).toBeGreaterThanOrEqual(2);
    expect((await h.stripe.events.retrieve(mine!.id)).id).toBe(mine!.id);
  });
});

describe("customers.create with a payment method", () => {
  it("attaches it and sets the invoice default; a declined card creates nothing", async () => {
    const before = (await h.stripe.customers.list({ email: "withpm@x.y" })).data.length;
    await expect(
      h.stripe.customers.create({ email: "withpm@x.y", payment_method: "pm_card_chargeDeclined" }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((await h.stripe.customers.list({ email: "withpm@x.y" })).data.length).toBe(before);
    const c = await h.stripe.customers.create({
      email: "withpm@x.y",
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
      expand: ["invoice_settings.default_payment_method"],
    });
    const pm = c.invoice_settings.default_payment_method as Stripe.PaymentMethod;
    expect(pm.id).toMatch(/^pm_(?!card_)/);
    expect(pm.customer).toBe(c.id);
  });
});

describe("production guard", () => {
  it("refuses NODE_ENV=production unless allowed", async () => {
    try {
      vi.stubEnv("NODE_ENV", "production");
      vi.stubEnv("STRIPE_EMULATOR_ALLOW_PRODUCTION", "");
      await expect(startStripeEmulator()).rejects.toThrow(/NODE_ENV=production/);
      vi.stubEnv("STRIPE_EMULATOR_ALLOW_PRODUCTION", "1");
      const emu = await startStripeEmulator();
      expect(emu.url).toMatch(/^http:\/\/localhost:\d+$/);
      await emu.stop();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
