/**
 * A subscription item's `price` (and its legacy `plan`) is the Price as it is now, as Stripe
 * renders it: when `transfer_lookup_key` moves the key to a new price, the old price and every item
 * still on it show `lookup_key: null`; nickname, metadata and active follow the price too.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./helpers";

let h: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.stop();
  h = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function subscribed(harness: Harness) {
  const stripe = harness.stripe;
  const product = await stripe.products.create({ name: "Pro" });
  const old = await stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount: 1_000,
    recurring: { interval: "month" },
    lookup_key: "pro_monthly",
    metadata: { plan: "pro" },
  });
  const customer = await stripe.customers.create({ email: "copies@test.test" });
  const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: old.id }],
    default_payment_method: pm.id,
  });
  expect(sub.items.data[0]?.price.lookup_key).toBe("pro_monthly");
  return { stripe, product, old, customer, sub };
}

const item = (sub: Stripe.Subscription) => sub.items.data[0]!;

describe("subscription items show their price's current state", () => {
  it("loses the lookup key when transfer_lookup_key moves it to a new price", async () => {
    h = await startHarness();
    const { stripe, product, old, customer, sub } = await subscribed(h);
    const next = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 1_500,
      recurring: { interval: "month" },
      lookup_key: "pro_monthly",
      transfer_lookup_key: true,
      metadata: { plan: "pro" },
    });
    expect(next.lookup_key).toBe("pro_monthly");
    expect((await stripe.prices.retrieve(old.id)).lookup_key).toBeNull();

    const retrieved = await stripe.subscriptions.retrieve(sub.id);
    expect(item(retrieved).price).toMatchObject({
      id: old.id,
      lookup_key: null,
      unit_amount: 1_000,
    });
    const listed = await stripe.subscriptions.list({ customer: customer.id });
    expect(listed.data[0]?.items.data[0]?.price.lookup_key).toBeNull();
    const items = await stripe.subscriptionItems.list({ subscription: sub.id });
    expect(items.data[0]?.price.lookup_key).toBeNull();
  });

  it("follows updatePrice: lookup key moved by update, nickname, metadata, active (price and plan)", async () => {
    h = await startHarness();
    const { stripe, product, old, sub } = await subscribed(h);
    const other = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 2_000,
      recurring: { interval: "month" },
    });
    await stripe.prices.update(other.id, { lookup_key: "pro_monthly", transfer_lookup_key: true });
    await stripe.prices.update(old.id, {
      nickname: "Pro (2025)",
      metadata: { plan: "pro", legacy: "yes" },
      active: false,
    });

    const current = item(await stripe.subscriptions.retrieve(sub.id));
    expect(current.price).toMatchObject({
      id: old.id,
      lookup_key: null,
      nickname: "Pro (2025)",
      metadata: { plan: "pro", legacy: "yes" },
      active: false,
    });
    expect(current.plan).toMatchObject({
      id: old.id,
      nickname: "Pro (2025)",
      metadata: { plan: "pro", legacy: "yes" },
      active: false,
    });
  });

  it("refreshes stale copies in a state file written before items followed their price", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "emu-price-copies-"));
    dirs.push(dir);
    const stateFile = path.join(dir, "state.json");
    h = await startHarness({ stateFile });
    const { old, sub } = await subscribed(h);
    await h.stop();
    h = undefined;

    // What an older emulator left behind: the price lost its key, the item's copy did not.
    const state = JSON.parse(readFileSync(stateFile, "utf8"));
    state.modes.test.prices[old.id].lookup_key = null;
    expect(state.modes.test.subscriptions[sub.id].items.data[0].price.lookup_key).toBe(
      "pro_monthly",
    );
    writeFileSync(stateFile, JSON.stringify(state));

    h = await startHarness({ stateFile });
    expect(item(await h.stripe.subscriptions.retrieve(sub.id)).price.lookup_key).toBeNull();
  });
});
