/**
 * Currencies: Stripe's list and minor units (zero-decimal JPY, two-decimal HUF/ISK/TWD,
 * three-decimal KWD), the price's currency carried through checkout, subscriptions and invoices,
 * amounts printed by the emulator's pages, and `currency_options` chosen by Checkout's `currency`.
 */
import Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatAmount } from "../resources/currency";
import { getPage, postForm, startHarness, type Harness } from "./helpers";

let h: Harness;
/** Intl separates a currency code from the number with a no-break space. */
const plain = (text: string): string => text.replace(/[\u00a0\u202f]/g, " ");
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h.stop());

describe("formatAmount uses Stripe's minor units, not Intl's", () => {
  it.each([
    [150000, "usd", "$1,500.00"],
    [1500, "jpy", "¥1,500"],
    [50000, "pyg", "PYG 50,000"],
    [7000, "bif", "BIF 7,000"],
    [300000, "ugx", "UGX 3,000"],
    [250000, "huf", "HUF 2,500"],
    [250050, "huf", "HUF 2,500.50"],
    [100000, "isk", "ISK 1,000"],
    [12345, "twd", "NT$123.45"],
    [1500, "kwd", "KWD 1.500"],
    [1250, "bhd", "BHD 1.250"],
  ])("%i %s → %s", (amount, currency, expected) => {
    expect(plain(formatAmount(amount, currency))).toBe(expected);
  });
});

async function card(customer: string): Promise<void> {
  const pm = await h.stripe.paymentMethods.attach("pm_card_visa", { customer });
  await h.stripe.customers.update(customer, {
    invoice_settings: { default_payment_method: pm.id },
  });
}

async function portalOf(customer: string): Promise<string> {
  await h.stripe.billingPortal.configurations.create({
    features: {
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true },
    },
  });
  return (await h.stripe.billingPortal.sessions.create({ customer })).url;
}

describe("prices in any Stripe currency", () => {
  it("refuses a currency Stripe does not support, and fractional ISK", async () => {
    const product = await h.stripe.products.create({ name: "P" });
    await expect(
      h.stripe.prices.create({ product: product.id, currency: "xyz", unit_amount: 100 }),
    ).rejects.toMatchObject({ statusCode: 400, param: "currency" });
    await expect(
      h.stripe.prices.create({ product: product.id, currency: "isk", unit_amount: 150 }),
    ).rejects.toMatchObject({ statusCode: 400, param: "unit_amount" });
    const upper = await h.stripe.prices.create({
      product: product.id,
      currency: "EUR",
      unit_amount: 100,
    });
    expect(upper.currency).toBe("eur");
  });

  it("a JPY price through Checkout: subscription, invoice and every page in yen", async () => {
    const product = await h.stripe.products.create({ name: "Yen plan" });
    const price = await h.stripe.prices.create({
      product: product.id,
      currency: "jpy",
      unit_amount: 1500,
      recurring: { interval: "month" },
    });
    const session = await h.stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: "http://localhost:3000/ok?session_id={CHECKOUT_SESSION_ID}",
      customer_email: "yen@x.y",
    });
    expect(session).toMatchObject({ currency: "jpy", amount_total: 1500 });
    const page = await getPage(session.url!);
    expect(page.text).toContain("¥1,500");
    const res = await postForm(session.url!, {
      email: "yen@x.y",
      cardnumber: "4242424242424242",
      exp: "12/34",
    });
    expect(res.status).toBe(303);
    const done = await h.stripe.checkout.sessions.retrieve(session.id, {
      expand: ["subscription.latest_invoice"],
    });
    const sub = done.subscription as Stripe.Subscription;
    expect(sub.currency).toBe("jpy");
    const inv = sub.latest_invoice as Stripe.Invoice;
    expect(inv).toMatchObject({ currency: "jpy", total: 1500, amount_paid: 1500 });
    expect(inv.lines.data[0]).toMatchObject({ currency: "jpy", amount: 1500 });
    const invoicePage = await getPage(inv.hosted_invoice_url!);
    expect(invoicePage.text).toContain("¥1,500");
    expect(invoicePage.text).not.toContain("¥15");
    const portal = await getPage(await portalOf(done.customer as string));
    expect(portal.text).toContain("¥1,500 per month");
  });

  it("a HUF price: two decimals in the API (250000 = 2,500 Ft)", async () => {
    const product = await h.stripe.products.create({ name: "Forint plan" });
    const price = await h.stripe.prices.create({
      product: product.id,
      currency: "huf",
      unit_amount: 250000,
      recurring: { interval: "month" },
    });
    const customer = await h.stripe.customers.create({ email: "huf@x.y" });
    await card(customer.id);
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      expand: ["latest_invoice"],
    });
    expect(sub.currency).toBe("huf");
    const inv = sub.latest_invoice as Stripe.Invoice;
    expect(inv).toMatchObject({ currency: "huf", total: 250000, status: "paid" });
    expect(plain((await getPage(inv.hosted_invoice_url!)).text)).toContain("HUF 2,500");
    const portal = await getPage(await portalOf(customer.id));
    expect(plain(portal.text)).toContain("HUF 2,500 per month");
  });

  it("Checkout refuses line items in different currencies", async () => {
    const product = await h.stripe.products.create({ name: "Mixed" });
    const usd = await h.stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 1000,
      recurring: { interval: "month" },
    });
    const eur = await h.stripe.prices.create({
      product: product.id,
      currency: "eur",
      unit_amount: 900,
      recurring: { interval: "month" },
    });
    await expect(
      h.stripe.checkout.sessions.create({
        mode: "subscription",
        line_items: [
          { price: usd.id, quantity: 1 },
          { price: eur.id, quantity: 1 },
        ],
        success_url: "http://localhost:3000/ok",
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe("currency_options", () => {
  async function multi(): Promise<Stripe.Price> {
    const product = await h.stripe.products.create({ name: "Global" });
    return h.stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 1000,
      recurring: { interval: "month" },
      currency_options: { eur: { unit_amount: 900 }, jpy: { unit_amount: 1500 } },
    });
  }

  it("are returned only when expanded, and include the price's own currency", async () => {
    const price = await multi();
    expect(price).not.toHaveProperty("currency_options");
    expect(await h.stripe.prices.retrieve(price.id)).not.toHaveProperty("currency_options");
    const expanded = await h.stripe.prices.retrieve(price.id, { expand: ["currency_options"] });
    expect(expanded.currency_options).toMatchObject({
      usd: { unit_amount: 1000 },
      eur: { unit_amount: 900, tax_behavior: "unspecified" },
      jpy: { unit_amount: 1500 },
    });
    const listed = await h.stripe.prices.list({ expand: ["data.currency_options"] });
    expect(listed.data[0]!.currency_options?.eur?.unit_amount).toBe(900);
    await expect(
      h.stripe.prices.create({
        product: price.product as string,
        currency: "usd",
        unit_amount: 1,
        currency_options: { usd: { unit_amount: 2 } },
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it("Checkout's currency picks the option: subscription and invoices in euros", async () => {
    const price = await multi();
    const session = await h.stripe.checkout.sessions.create({
      mode: "subscription",
      currency: "eur",
      line_items: [{ price: price.id, quantity: 2 }],
      success_url: "http://localhost:3000/ok",
      customer_email: "eur@x.y",
    });
    expect(session).toMatchObject({ currency: "eur", amount_total: 1800 });
    expect((await getPage(session.url!)).text).toContain("€18.00");
    await postForm(session.url!, { email: "eur@x.y", cardnumber: "4242424242424242" });
    const done = await h.stripe.checkout.sessions.retrieve(session.id, {
      expand: ["subscription.latest_invoice"],
    });
    const sub = done.subscription as Stripe.Subscription;
    expect(sub.currency).toBe("eur");
    expect(sub.items.data[0]!.price.id).toBe(price.id);
    const inv = sub.latest_invoice as Stripe.Invoice;
    expect(inv).toMatchObject({ currency: "eur", total: 1800 });
    // Renewals stay in euros.
    await h.ctl.advanceClock({ to: sub.items.data[0]!.current_period_end + 10 });
    const renewed = await h.stripe.invoices.list({ subscription: sub.id, limit: 1 });
    expect(renewed.data[0]).toMatchObject({ currency: "eur", total: 1800 });
    const portal = await getPage(await portalOf(done.customer as string));
    expect(portal.text).toContain("€18.00 per month");

    await expect(
      h.stripe.checkout.sessions.create({
        mode: "subscription",
        currency: "gbp",
        line_items: [{ price: price.id, quantity: 1 }],
        success_url: "http://localhost:3000/ok",
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it("subscriptions.create takes currency too", async () => {
    const price = await multi();
    const customer = await h.stripe.customers.create({});
    await card(customer.id);
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      currency: "jpy",
      items: [{ price: price.id }],
      expand: ["latest_invoice"],
    });
    expect(sub.currency).toBe("jpy");
    expect(sub.latest_invoice).toMatchObject({ currency: "jpy", total: 1500 });
  });
});
