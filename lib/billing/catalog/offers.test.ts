import { describe, expect, it } from "vitest";
import {
  paidPlans,
  parseSeats,
  planFeatureLines,
  seatLimits,
  trialOffer,
  trialText,
} from "@/lib/billing/catalog/offers";
import { PLANS } from "@/lib/billing/catalog/plans";
import { entitlementsFor } from "@/lib/billing/access/entitlements";

describe("trial eligibility", () => {
  it("offers Pro's trial on a first subscription only", () => {
    expect(trialOffer(PLANS.pro, [])).toEqual({
      days: 14,
      cardUpFront: false,
      withoutCard: "cancel",
    });
    // Cancel and return: the earlier subscription, canceled since, still counts.
    expect(trialOffer(PLANS.pro, [{ status: "canceled" }])).toBeNull();
    expect(trialOffer(PLANS.pro, [{ status: "trialing" }])).toBeNull();
    expect(trialOffer(PLANS.pro, [{ status: "past_due" }])).toBeNull();
    expect(trialOffer(PLANS.pro, [{ status: "incomplete" }])).toBeNull();
  });

  it("does not count a subscription that never started", () => {
    expect(trialOffer(PLANS.pro, [{ status: "incomplete_expired" }])).not.toBeNull();
    expect(
      trialOffer(PLANS.pro, [{ status: "incomplete_expired" }, { status: "canceled" }]),
    ).toBeNull();
  });

  it("offers nothing on a plan without a trial", () => {
    expect(trialOffer(PLANS.team, [])).toBeNull();
    expect(trialOffer(PLANS.free, [])).toBeNull();
  });

  it("says whether a card is needed", () => {
    expect(trialText({ days: 14, cardUpFront: false, withoutCard: "cancel" })).toBe(
      "14-day free trial, no card required",
    );
    expect(trialText({ days: 7, cardUpFront: true, withoutCard: "cancel" })).toBe(
      "7-day free trial",
    );
  });
});

describe("seats", () => {
  it("keeps Team within its catalog range", () => {
    expect(seatLimits(PLANS.team)).toEqual({ min: 1, max: 50 });
    expect(parseSeats(PLANS.team, "3")).toEqual({ ok: true, seats: 3 });
    expect(parseSeats(PLANS.team, 50)).toEqual({ ok: true, seats: 50 });
    expect(parseSeats(PLANS.team, undefined)).toEqual({ ok: true, seats: 1 });
    expect(parseSeats(PLANS.team, "")).toEqual({ ok: true, seats: 1 });
    expect(parseSeats(PLANS.team, "51")).toEqual({
      ok: false,
      message: "Team has at most 50 seats.",
    });
    expect(parseSeats(PLANS.team, "0")).toEqual({
      ok: false,
      message: "Team needs at least 1 seat.",
    });
    expect(parseSeats(PLANS.team, "2.5")).toMatchObject({ ok: false });
    expect(parseSeats(PLANS.team, "three")).toMatchObject({ ok: false });
  });

  it("gives a plan without seats exactly one", () => {
    expect(seatLimits(PLANS.pro)).toEqual({ min: 1, max: 1 });
    expect(parseSeats(PLANS.pro, undefined)).toEqual({ ok: true, seats: 1 });
    expect(parseSeats(PLANS.pro, "3")).toMatchObject({ ok: false });
  });

  it("has a seat range exactly on the per-seat plans", () => {
    for (const plan of Object.values(PLANS)) {
      expect(plan.seats !== null, plan.key).toBe(plan.perSeat);
      if (plan.seats) expect(plan.seats.min).toBeLessThanOrEqual(plan.seats.max);
    }
  });
});

describe("plan cards", () => {
  it("list the features the plan really grants, from the same catalog entitlements read", () => {
    expect(paidPlans().map((p) => p.key)).toEqual(["pro", "team"]);
    expect(planFeatureLines(PLANS.pro)).toEqual(["API access (/api/v1)", "Up to 5 API keys"]);
    expect(planFeatureLines(PLANS.team)).toEqual([
      "API access (/api/v1)",
      "Up to 10 API keys per seat",
    ]);
    expect(planFeatureLines(PLANS.free)).toEqual([]);
  });

  it("scale the seat limit the way entitlements do", () => {
    const team = entitlementsFor(
      [
        {
          id: "sub_1",
          status: "active",
          planKey: "team",
          unknownPrice: false,
          quantity: 3,
          stripeCreatedAt: new Date(0),
          currentPeriodStart: null,
          pastDueSince: null,
        },
      ],
      { now: new Date(), graceDays: 7 },
    );
    expect(team.limits.apiKeys).toBe(30);
    expect(team.seats).toBe(3);
  });
});
