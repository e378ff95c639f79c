/**
 * Conformance with Stripe's own shapes: the schemas generated from the installed `stripe` package's
 * types are current; every response the emulator serves to the official SDK across the endpoints the
 * app uses, and every event it emits, matches them; and requests Stripe refuses are refused the same
 * way (status, type, code, full bracket param).
 */
import { readFileSync } from "node:fs";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSchemas, renderSchemas } from "../schema/generate";
import { checkEvent } from "../schema/check-response";
import { SCHEMA_PATH } from "../schema/index";
import { PARAMS_ROOTS, RESPONSE_ROOTS } from "../schema/roots";
import { apiRoutes } from "../api/routes";
import { recordingSdk, report, verdicts, type Recorder } from "./conformance-helpers";
import { sendInvalidCases } from "./conformance-invalid";
import { postForm, startHarness, type Harness } from "./helpers";

describe("generated schemas", () => {
  it("match the installed SDK (else: run npm run stripe:schemas)", () => {
    const fresh = renderSchemas(generateSchemas());
    const onDisk = readFileSync(SCHEMA_PATH, "utf8");
    expect(fresh === onDisk, "stripe-schemas.json is stale: run npm run stripe:schemas").toBe(true);
  }, 60_000);

  it("cover every route's params and response types", () => {
    const known = new Set<string>([...PARAMS_ROOTS]);
    const responses = new Set<string>([
      ...RESPONSE_ROOTS.map((n) => n.replace(/Stripe\./g, "")),
      "Event",
      "ApiList<Event>",
    ]);
    const missing = apiRoutes().flatMap((r) => [
      ...(known.has(r.params) ? [] : [`${r.pattern} params ${r.params}`]),
      ...r.returns
        .split("|")
        .flatMap((n) => (responses.has(n) ? [] : [`${r.pattern} returns ${n}`])),
    ]);
    expect(missing).toEqual([]);
  });
});

describe("conformance", () => {
  let h: Harness;
  let rec: Recorder;
  let stripe: Stripe;

  beforeAll(async () => {
    h = await startHarness();
    rec = recordingSdk(h.emu.port);
    stripe = rec.stripe;
  });
  afterAll(async () => h.stop());

  async function catalog() {
    const basic = await stripe.products.create({ name: "Basic", metadata: { plan: "basic" } });
    const pro = await stripe.products.create({ name: "Pro" });
    await stripe.products.update(basic.id, { description: "The basic plan" });
    await stripe.products.retrieve(pro.id);
    await stripe.products.list({ limit: 10, active: true });
    const basicMonthly = await stripe.prices.create({
      product: basic.id,
      currency: "usd",
      unit_amount: 1000,
      recurring: { interval: "month" },
      lookup_key: "c_basic_monthly",
      currency_options: { eur: { unit_amount: 900 } },
    });
    const proMonthly = await stripe.prices.create({
      product: pro.id,
      currency: "usd",
      unit_amount: 3000,
      recurring: { interval: "month" },
      lookup_key: "c_pro_monthly",
    });
    await stripe.prices.update(basicMonthly.id, { metadata: { tier: "1" } });
    await stripe.prices.retrieve(basicMonthly.id, { expand: ["currency_options", "product"] });
    await stripe.prices.list({
      lookup_keys: ["c_basic_monthly", "c_pro_monthly"],
      expand: ["data.currency_options", "data.product"],
    });
    return { basic, pro, basicMonthly, proMonthly };
  }

  it("serves only responses and events that match the SDK's types", async () => {
    const { basic, pro, basicMonthly, proMonthly } = await catalog();

    // Customers and payment methods.
    const customer = await stripe.customers.create({ email: "conf@x.y", name: "Conf" });
    const visa = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    await stripe.customers.update(customer.id, {
      invoice_settings: { default_payment_method: visa.id },
      metadata: { userId: "u1" },
    });
    await stripe.customers.retrieve(customer.id, { expand: ["subscriptions"] });
    await stripe.customers.list({ email: "conf@x.y" });
    await stripe.customers.listPaymentMethods(customer.id, { type: "card" });
    const spare = await stripe.paymentMethods.create({
      type: "card",
      card: { token: "tok_mastercard" },
    });
    await stripe.paymentMethods.attach(spare.id, { customer: customer.id });
    await stripe.paymentMethods.update(spare.id, { metadata: { spare: "yes" } });
    await stripe.paymentMethods.retrieve(spare.id);
    await stripe.paymentMethods.list({ customer: customer.id, type: "card" });
    await stripe.paymentMethods.detach(spare.id);
    const gone = await stripe.customers.create({ email: "gone@x.y" });
    await stripe.customers.del(gone.id);
    await stripe.customers.retrieve(gone.id);

    // Subscriptions, items, invoices.
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: proMonthly.id }],
      expand: ["latest_invoice"],
    });
    await stripe.subscriptions.retrieve(sub.id, { expand: ["items.data.price.product"] });
    await stripe.subscriptions.update(sub.id, { metadata: { orgId: "o1" } });
    await stripe.subscriptions.list({ customer: customer.id, status: "all" });
    const items = await stripe.subscriptionItems.list({ subscription: sub.id });
    await stripe.subscriptionItems.retrieve(items.data[0]!.id);
    const invoices = await stripe.invoices.list({ customer: customer.id });
    await stripe.invoices.retrieve(invoices.data[0]!.id);

    // Portal: configuration, session, and a period-end downgrade (a subscription schedule).
    const config = await stripe.billingPortal.configurations.create({
      business_profile: { headline: "Conformance" },
      features: {
        invoice_history: { enabled: true },
        payment_method_update: { enabled: true },
        subscription_cancel: { enabled: true, mode: "at_period_end" },
        subscription_update: {
          enabled: true,
          default_allowed_updates: ["price"],
          proration_behavior: "create_prorations",
          schedule_at_period_end: { conditions: [{ type: "decreasing_item_amount" }] },
          products: [
            { product: basic.id, prices: [basicMonthly.id] },
            { product: pro.id, prices: [proMonthly.id] },
          ],
        },
      },
      metadata: { app: "conformance" },
    });
    await stripe.billingPortal.configurations.update(config.id, {
      default_return_url: "http://localhost:3000/billing",
    });
    await stripe.billingPortal.configurations.retrieve(config.id);
    await stripe.billingPortal.configurations.list({ is_default: false });
    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: config.id,
      return_url: "http://localhost:3000/billing",
    });
    const downgrade = await postForm(`${portal.url}/subscriptions/${sub.id}/update/confirm`, {
      price: basicMonthly.id,
      item: items.data[0]!.id,
      quantity: "1",
    });
    expect(downgrade.status).toBe(303);
    const scheduled = await stripe.subscriptions.retrieve(sub.id);
    const scheduleId =
      typeof scheduled.schedule === "string" ? scheduled.schedule : scheduled.schedule?.id;
    expect(scheduleId, "the downgrade is a subscription schedule").toBeTruthy();
    await stripe.subscriptionSchedules.list({ customer: customer.id });
    await stripe.subscriptionSchedules.retrieve(scheduleId!);
    await stripe.subscriptionSchedules.release(scheduleId!);

    // A renewal that fails, is paid after the card changes; another that is voided.
    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: customer.id,
    });
    await stripe.customers.update(customer.id, {
      invoice_settings: { default_payment_method: failing.id },
    });
    await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
    await h.ctl.advanceClock({ days: 32 });
    const open = await stripe.invoices.list({ customer: customer.id, status: "open" });
    const openInvoice = open.data[0];
    expect(openInvoice, "the renewal failed and left an open invoice").toBeDefined();
    await stripe.subscriptions.update(sub.id, { default_payment_method: visa.id });
    await stripe.invoices.pay(openInvoice!.id);

    const other = await stripe.customers.create({ email: "void@x.y" });
    const otherFailing = await stripe.paymentMethods.attach("pm_card_visa", { customer: other.id });
    await stripe.customers.update(other.id, {
      invoice_settings: { default_payment_method: otherFailing.id },
    });
    const otherSub = await stripe.subscriptions.create({
      customer: other.id,
      items: [{ price: basicMonthly.id }],
    });
    const bad = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: other.id,
    });
    await stripe.customers.update(other.id, {
      invoice_settings: { default_payment_method: bad.id },
    });
    await h.ctl.advanceClock({ days: 32 });
    const otherOpen = await stripe.invoices.list({ subscription: otherSub.id, status: "open" });
    if (otherOpen.data[0]) await stripe.invoices.voidInvoice(otherOpen.data[0].id);
    await stripe.subscriptions.cancel(otherSub.id);

    // Checkout: one completed on the hosted page, one expired.
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: basicMonthly.id, quantity: 1 }],
      success_url: "http://localhost:3000/billing?session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "http://localhost:3000/pricing",
      client_reference_id: "user_c",
      customer_email: "checkout@x.y",
      metadata: { userId: "user_c" },
    });
    const paid = await postForm(session.url!, {
      email: "checkout@x.y",
      cardnumber: "4242424242424242",
    });
    expect(paid.status).toBe(303);
    await stripe.checkout.sessions.retrieve(session.id, { expand: ["line_items", "subscription"] });
    await stripe.checkout.sessions.listLineItems(session.id);
    const abandoned = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: proMonthly.id, quantity: 2 }],
      success_url: "http://localhost:3000/ok",
    });
    await stripe.checkout.sessions.expire(abandoned.id);
    await stripe.checkout.sessions.list({ limit: 5 });

    // Webhook endpoints.
    const endpoint = await stripe.webhookEndpoints.create({
      url: "https://example.com/conformance",
      enabled_events: ["customer.subscription.updated", "invoice.paid"],
      api_version: Stripe.API_VERSION,
    });
    await stripe.webhookEndpoints.update(endpoint.id, { description: "conformance" });
    await stripe.webhookEndpoints.retrieve(endpoint.id);
    await stripe.webhookEndpoints.list();
    await stripe.webhookEndpoints.del(endpoint.id);

    // Cancel at period end, then immediately.
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    await stripe.subscriptions.cancel(sub.id);

    // Coupons, promotion codes, discounts; a paused trial resumed; a product deleted.
    const coupon = await stripe.coupons.create({
      id: "CONF10",
      amount_off: 1000,
      currency: "usd",
      currency_options: { eur: { amount_off: 900 } },
      duration: "repeating",
      duration_in_months: 2,
    });
    await stripe.coupons.update(coupon.id, { name: "Conf ten", metadata: { a: "b" } });
    await stripe.coupons.retrieve(coupon.id, { expand: ["currency_options"] });
    await stripe.coupons.list({ limit: 5 });
    const code = await stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: coupon.id },
      code: "CONFCODE",
      restrictions: { first_time_transaction: false },
    });
    await stripe.promotionCodes.update(code.id, { metadata: { b: "c" } });
    await stripe.promotionCodes.retrieve(code.id, { expand: ["promotion.coupon"] });
    await stripe.promotionCodes.list({ code: "confcode", active: true });
    const discounted = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: basicMonthly.id, quantity: 2 }],
      discounts: [{ promotion_code: code.id }],
      expand: ["discounts", "latest_invoice.discounts"],
    });
    await stripe.subscriptions.list({
      customer: customer.id,
      expand: ["data.discounts.source.coupon"],
    });
    await stripe.invoices.list({ subscription: discounted.id, expand: ["data.discounts"] });
    await stripe.subscriptions.cancel(discounted.id);
    await stripe.coupons.del(coupon.id);
    const noCard = await stripe.customers.create({ email: "paused@x.y" });
    const trial = await stripe.subscriptions.create({
      customer: noCard.id,
      items: [{ price: basicMonthly.id }],
      trial_period_days: 3,
      trial_settings: { end_behavior: { missing_payment_method: "pause" } },
    });
    await h.ctl.advanceClock({ days: 4 });
    const card = await stripe.paymentMethods.attach("pm_card_visa", { customer: noCard.id });
    await stripe.subscriptions.update(trial.id, { default_payment_method: card.id });
    await stripe.subscriptions.resume(trial.id, { billing_cycle_anchor: { type: "now" } });
    const spareProduct = await stripe.products.create({ name: "Spare" });
    await stripe.products.del(spareProduct.id);

    // Every event emitted, through auto-pagination (each page is recorded and validated too).
    const events: Stripe.Event[] = [];
    for await (const e of stripe.events.list({ limit: 20 })) events.push(e);
    await stripe.events.retrieve(events[0]!.id);

    const served = verdicts(rec.calls).map((v) => ({
      name: `${v.call} (${v.schema})`,
      violations: v.violations,
    }));
    const emitted = events.map((e) => ({
      name: `${e.type} ${e.id}`,
      violations: checkEvent(JSON.parse(JSON.stringify(e)) as { type?: unknown }),
    }));
    const summary = `${report("responses", served)}\n${report("events", emitted)}`;
    console.log(
      `${summary}\nevent types: ${[...new Set(events.map((e) => e.type))].sort().join(", ")}`,
    );
    expect(served.length).toBeGreaterThan(60);
    expect(new Set(events.map((e) => e.type)).size).toBeGreaterThan(10);
    expect(summary).not.toMatch(/^ {2}/m);
  }, 120_000);

  it("refuses invalid requests the way Stripe does", async () => {
    const cus = await stripe.customers.create({ email: "invalid@x.y" });
    const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: cus.id });
    const prod = await stripe.products.create({ name: "Invalid" });
    const price = await stripe.prices.create({
      product: prod.id,
      currency: "usd",
      unit_amount: 500,
      recurring: { interval: "month" },
    });
    const sub = await stripe.subscriptions.create({
      customer: cus.id,
      items: [{ price: price.id }],
      default_payment_method: pm.id,
    });
    const inv =
      typeof sub.latest_invoice === "string" ? sub.latest_invoice : sub.latest_invoice!.id;
    const ids: Record<string, string> = {
      cus: cus.id,
      pm: pm.id,
      prod: prod.id,
      price: price.id,
      sub: sub.id,
      inv,
    };
    const results = await sendInvalidCases(h.emu.url, ids);
    const summary = report("invalid requests", results, "refused as Stripe does");
    console.log(summary);
    expect(summary).not.toMatch(/^ {2}/m);
  }, 60_000);
});
