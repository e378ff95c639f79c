import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  catalogEntryForLookupKey,
  catalogEntryForPrice,
  catalogLookupKeys,
  catalogPrices,
  PLANS,
} from "@/lib/billing/catalog/plans";
import { indexCatalogPrices } from "@/lib/billing/catalog/prices";
import { listPricesByLookupKeys, MAX_LOOKUP_KEYS_PER_LIST } from "@/lib/billing/stripe/lists";
import { price } from "@/lib/billing/testing/stripe-fixtures";
import { startStripeEmulator } from "@/tools/stripe-emulator/server";

describe("catalog", () => {
  it("sells Pro and Team monthly and yearly, each under a unique lookup key", () => {
    const keys = catalogLookupKeys();
    expect(keys).toEqual(["pro_monthly", "pro_yearly", "team_monthly", "team_yearly"]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(PLANS.free.prices).toEqual({});
    for (const { plan, price: p } of catalogPrices()) {
      expect(p.lookupKey).not.toMatch(/^price_/);
      expect(plan.prices[p.interval]).toBe(p);
    }
  });

  it("resolves lookup keys to plan and interval", () => {
    expect(catalogEntryForLookupKey("team_yearly")).toMatchObject({
      plan: { key: "team" },
      price: { interval: "year" },
    });
    expect(catalogEntryForLookupKey("enterprise_monthly")).toBeNull();
    expect(catalogEntryForLookupKey(null)).toBeNull();
  });

  it("maps a Stripe price by lookup key only when interval and currency agree", () => {
    expect(catalogEntryForPrice(price({ lookup_key: "pro_monthly" }))?.plan.key).toBe("pro");
    expect(catalogEntryForPrice(price({ lookup_key: "legacy_gold" }))).toBeNull();
    expect(catalogEntryForPrice(price({ lookup_key: null }))).toBeNull();
    expect(catalogEntryForPrice(price({ lookup_key: "pro_yearly" }))).toBeNull(); // monthly price
    expect(catalogEntryForPrice(price({ lookup_key: "pro_monthly", currency: "eur" }))).toBeNull();
    const quarterly = price({ lookup_key: "pro_monthly" });
    quarterly.recurring = { ...quarterly.recurring!, interval_count: 3 };
    expect(catalogEntryForPrice(quarterly)).toBeNull();
    expect(catalogEntryForPrice(price({ lookup_key: "pro_monthly", recurring: null }))).toBeNull();
  });

  it("still maps a tagged catalog price that lost its lookup key to a newer price", () => {
    const grandfathered = price({
      lookup_key: null,
      metadata: { plan: "team" },
      unit_amount: 1_900,
    });
    expect(catalogEntryForPrice(grandfathered)).toMatchObject({
      plan: { key: "team" },
      price: { lookupKey: "team_monthly" },
    });
    expect(
      catalogEntryForPrice(price({ lookup_key: null, metadata: { plan: "gold" } })),
    ).toBeNull();
    expect(
      catalogEntryForPrice(price({ lookup_key: null, metadata: { plan: "free" } })),
    ).toBeNull();
    expect(catalogEntryForPrice(price({ lookup_key: null, metadata: {} }))).toBeNull();
    // A price holding some other lookup key is not ours, whatever its metadata says.
    expect(
      catalogEntryForPrice(price({ lookup_key: "legacy", metadata: { plan: "pro" } })),
    ).toBeNull();
    expect(indexCatalogPrices([grandfathered]).byLookupKey.size).toBe(0);
  });

  it("indexes the prices of a mode by lookup key and lists the missing ones", () => {
    const proMonthly = price({ lookup_key: "pro_monthly" });
    const inactive = price({ lookup_key: "pro_yearly", active: false });
    const wrong = price({ lookup_key: "team_monthly", currency: "eur" });
    const { byLookupKey, missing } = indexCatalogPrices([proMonthly, inactive, wrong]);
    expect([...byLookupKey.keys()]).toEqual(["pro_monthly"]);
    expect(byLookupKey.get("pro_monthly")).toBe(proMonthly);
    expect(missing).toEqual(["pro_yearly", "team_monthly", "team_yearly"]);
  });
});

describe("listPricesByLookupKeys", () => {
  const keys = Array.from({ length: 23 }, (_, i) => `plan_${String(i).padStart(2, "0")}`);

  it("asks for at most 10 lookup keys per call and returns the prices of all of them", async () => {
    const calls: Stripe.PriceListParams[] = [];
    // A fake prices.list that refuses more than 10 keys, as Stripe does.
    const stripe = {
      prices: {
        list: (params: Stripe.PriceListParams) => {
          calls.push(params);
          const asked = params.lookup_keys ?? [];
          return {
            autoPagingToArray: async () => {
              if (asked.length > MAX_LOOKUP_KEYS_PER_LIST) {
                throw new Error("Array lookup_keys exceeded maximum 10 allowed elements.");
              }
              return asked.map((key) => price({ lookup_key: key }));
            },
          };
        },
      },
    } as unknown as Stripe;

    const prices = await listPricesByLookupKeys(stripe, [...keys, "plan_00"], { active: true });
    expect(calls.map((c) => c.lookup_keys?.length)).toEqual([10, 10, 3]);
    expect(calls.every((c) => c.active === true)).toBe(true);
    expect(new Set(calls.flatMap((c) => c.lookup_keys))).toEqual(new Set(keys));
    expect(prices.map((p) => p.lookup_key).sort()).toEqual(keys);
    expect(await listPricesByLookupKeys(stripe, [])).toEqual([]);
  });

  it("lists a catalog of 12 lookup keys from the emulator, which refuses them in one call", async () => {
    const emulator = await startStripeEmulator();
    try {
      const stripe = new Stripe("sk_test_catalog_chunks", {
        host: "localhost",
        port: emulator.port,
        protocol: "http",
        maxNetworkRetries: 0,
      });
      const product = await stripe.products.create({ name: "Twelve prices" });
      const twelve = keys.slice(0, 12);
      for (const lookup_key of twelve) {
        await stripe.prices.create({
          product: product.id,
          currency: "usd",
          unit_amount: 500,
          recurring: { interval: "month" },
          lookup_key,
        });
      }
      await expect(stripe.prices.list({ lookup_keys: twelve, limit: 100 })).rejects.toThrow(
        "Array lookup_keys exceeded maximum 10 allowed elements.",
      );
      const listed = await listPricesByLookupKeys(stripe, twelve, { expand: ["data.product"] });
      expect(listed.map((p) => p.lookup_key).sort()).toEqual(twelve);
      expect(listed.every((p) => (p.product as Stripe.Product).name === "Twelve prices")).toBe(
        true,
      );
    } finally {
      await emulator.stop();
    }
  });
});
