import { describe, expect, it } from "vitest";
import {
  catalogEntryForLookupKey,
  catalogEntryForPrice,
  catalogLookupKeys,
  catalogPrices,
  PLANS,
} from "@/lib/billing/catalog";
import { indexCatalogPrices } from "@/lib/billing/prices";
import { price } from "@/lib/billing/testing/stripe-fixtures";

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
