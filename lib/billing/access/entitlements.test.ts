import { describe, expect, it } from "vitest";
import {
  apiKeyLimitText,
  entitlementsFor,
  type EntitlementSubscription,
} from "@/lib/billing/access/entitlements";

const now = new Date("2026-03-10T12:00:00Z");
const day = 86_400_000;
const options = { now, graceDays: 7 };

const sub = (overrides: Partial<EntitlementSubscription> = {}): EntitlementSubscription => ({
  id: "sub_1",
  status: "active",
  planKey: "pro",
  unknownPrice: false,
  quantity: 1,
  stripeCreatedAt: new Date("2026-01-01T00:00:00Z"),
  currentPeriodStart: new Date("2026-03-01T00:00:00Z"),
  pastDueSince: null,
  ...overrides,
});

describe("entitlementsFor", () => {
  it("gives Free without a subscription", () => {
    const e = entitlementsFor([], options);
    expect(e.plan.key).toBe("free");
    expect(e.reason).toBe("no_subscription");
    expect(e.features.size).toBe(0);
    expect(e.limits).toEqual({ apiKeys: 0 });
  });

  it.each(["active", "trialing"])("grants the plan while %s", (status) => {
    const e = entitlementsFor([sub({ status, planKey: "team" })], options);
    expect(e.plan.key).toBe("team");
    expect(e.reason).toBe(status);
    expect(e.features.has("api_access")).toBe(true);
    expect(e.subscriptionId).toBe("sub_1");
  });

  it("keeps the plan while past_due within the grace period", () => {
    const since = new Date(now.getTime() - 6 * day);
    const e = entitlementsFor([sub({ status: "past_due", pastDueSince: since })], options);
    expect(e.plan.key).toBe("pro");
    expect(e.reason).toBe("past_due_grace");
    expect(e.graceEndsAt).toEqual(new Date(since.getTime() + 7 * day));
  });

  it("drops to Free once past_due outlasts the grace period", () => {
    const since = new Date(now.getTime() - 7 * day - 1);
    const e = entitlementsFor([sub({ status: "past_due", pastDueSince: since })], options);
    expect(e.plan.key).toBe("free");
    expect(e.reason).toBe("past_due_grace_over");
  });

  it("measures grace from the period start when no unpaid invoice date is known", () => {
    const e = entitlementsFor([sub({ status: "past_due" })], { now, graceDays: 10 });
    expect(e.plan.key).toBe("pro");
    expect(entitlementsFor([sub({ status: "past_due" })], { now, graceDays: 9 }).plan.key).toBe(
      "free",
    );
  });

  it("has no grace at all when configured to 0 days", () => {
    const e = entitlementsFor([sub({ status: "past_due", pastDueSince: now })], {
      now,
      graceDays: 0,
    });
    expect(e.plan.key).toBe("free");
  });

  it.each(["unpaid", "paused", "incomplete", "incomplete_expired", "canceled", "a_future_status"])(
    "gives Free while %s",
    (status) => {
      const e = entitlementsFor([sub({ status })], options);
      expect(e.plan.key).toBe("free");
      expect(e.reason).toBe("not_active");
      expect(e.subscriptionStatus).toBe(status);
    },
  );

  it("never maps a price outside the catalog to a plan", () => {
    const e = entitlementsFor([sub({ planKey: null, unknownPrice: true })], options);
    expect(e.plan.key).toBe("free");
    expect(e.reason).toBe("price_not_in_catalog");
    expect(e.subscriptionId).toBe("sub_1");
  });

  it("decides from the current subscription when there are several", () => {
    const e = entitlementsFor(
      [
        sub({
          id: "sub_new",
          status: "canceled",
          planKey: "team",
          stripeCreatedAt: new Date("2026-03-01"),
        }),
        sub({ id: "sub_old", status: "active", planKey: "pro" }),
      ],
      options,
    );
    expect(e.subscriptionId).toBe("sub_old");
    expect(e.plan.key).toBe("pro");
  });

  it("scales Team's limits with its seats (the quantity), and only Team's", () => {
    const team = entitlementsFor([sub({ planKey: "team", quantity: 5 })], options);
    const pro = entitlementsFor([sub({ planKey: "pro", quantity: 5 })], options);
    expect(team.limits.apiKeys).toBe(50);
    expect(pro.limits.apiKeys).toBe(5);
    expect([team.seats, pro.seats]).toEqual([5, 1]);
    expect(apiKeyLimitText(team)).toBe("Up to 50 active keys (5 seats × 10).");
    expect(apiKeyLimitText(pro)).toBe("Up to 5 active keys.");
    // A trial grants the plan, seats included.
    const trial = entitlementsFor(
      [sub({ planKey: "team", status: "trialing", quantity: 2 })],
      options,
    );
    expect([trial.reason, trial.seats, trial.limits.apiKeys]).toEqual(["trialing", 2, 20]);
  });
});
