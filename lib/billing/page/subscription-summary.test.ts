import { describe, expect, it } from "vitest";
import type { DiscountData, PendingChange } from "@/lib/billing/sync/subscription-terms";
import {
  billedAmountText,
  discountText,
  pendingChangeText,
  summarizeSubscription,
  type SummarizableSubscription,
} from "./subscription-summary";
import { inactiveStatusText, pastDueText, paymentActionText, trialNoticeText } from "./alert-texts";

const periodEnd = new Date("2026-12-25T00:00:00Z");
const base: SummarizableSubscription = {
  status: "active",
  planKey: "pro",
  unknownPrice: false,
  interval: "month",
  quantity: 1,
  unitAmount: 1200,
  currency: "usd",
  discounts: [],
  automaticTax: false,
  pendingChange: null,
  cancelAtPeriodEnd: false,
  cancelAt: null,
  endedAt: null,
  currentPeriodEnd: periodEnd,
  trialEnd: null,
};

describe("summarizeSubscription", () => {
  it("an active subscription renews at the end of the item's period", () => {
    const summary = summarizeSubscription(base);
    expect(summary).toMatchObject({
      planName: "Pro",
      statusLabel: "Active",
      live: true,
      cancellationScheduled: false,
      next: { kind: "renews", at: periodEnd },
      price: { unitAmount: 1200, quantity: 1, currency: "usd", interval: "month", total: 1200 },
    });
  });

  it("cancel_at_period_end shows the period end as the cancellation date", () => {
    expect(summarizeSubscription({ ...base, cancelAtPeriodEnd: true }).next).toEqual({
      kind: "cancels",
      at: periodEnd,
    });
  });

  it("cancel_at alone (cancel_at_period_end false) is still a scheduled cancellation", () => {
    const cancelAt = new Date("2026-12-10T00:00:00Z");
    const summary = summarizeSubscription({ ...base, cancelAt });
    expect(summary.cancellationScheduled).toBe(true);
    expect(summary.next).toEqual({ kind: "cancels", at: cancelAt });
  });

  it("a trial shows when it ends", () => {
    const trialEnd = new Date("2026-12-01T00:00:00Z");
    const summary = summarizeSubscription({ ...base, status: "trialing", trialEnd });
    expect(summary.statusLabel).toBe("Trialing");
    expect(summary.next).toEqual({ kind: "trial_ends", at: trialEnd });
  });

  it("past due still renews but is flagged", () => {
    const summary = summarizeSubscription({ ...base, status: "past_due" });
    expect(summary).toMatchObject({ pastDue: true, statusLabel: "Past due", live: true });
  });

  it.each([
    ["canceled", "Canceled"],
    ["incomplete_expired", "Expired"],
  ])("%s is not live and shows when it ended", (status, label) => {
    const endedAt = new Date("2026-11-01T00:00:00Z");
    const summary = summarizeSubscription({ ...base, status, endedAt, cancelAtPeriodEnd: true });
    expect(summary).toMatchObject({
      live: false,
      statusLabel: label,
      cancellationScheduled: false,
    });
    expect(summary.next).toEqual({ kind: "ended", at: endedAt });
  });

  it.each([
    ["incomplete", "Incomplete"],
    ["unpaid", "Unpaid"],
    ["paused", "Paused"],
  ])("%s is described in words", (status, label) => {
    expect(summarizeSubscription({ ...base, status }).statusLabel).toBe(label);
  });

  it("a price outside the catalog is never shown as a catalog plan", () => {
    const summary = summarizeSubscription({
      ...base,
      planKey: null,
      unknownPrice: true,
    });
    expect(summary.planName).toBe("Unrecognised plan");
  });

  it("the amount is Stripe's: quantity times the synced unit amount, not the catalog's", () => {
    const summary = summarizeSubscription({
      ...base,
      planKey: "team",
      interval: "year",
      quantity: 3,
      unitAmount: 31_000, // changed in the Dashboard; the catalog says 29,000
    });
    expect(summary.price).toMatchObject({ subtotal: 93_000, total: 93_000, perSeat: true });
    expect(billedAmountText(summary.price!)).toBe("3 seats × $310.00 = $930.00 / year");
  });

  it("an ended subscription bills nothing and has no pending change", () => {
    const summary = summarizeSubscription({
      ...base,
      status: "canceled",
      endedAt: new Date("2026-11-01T00:00:00Z"),
      pendingChange: change({}),
    });
    expect(summary.price).toBeNull();
    expect(summary.pendingChange).toBeNull();
  });

  it("discounts in force lower the total; an expired one does not", () => {
    const now = new Date("2026-12-01T00:00:00Z");
    const launch: DiscountData = {
      name: "Launch",
      percentOff: 25,
      amountOff: null,
      currency: null,
      endsAt: "2027-03-01T00:00:00.000Z",
    };
    const expired = { ...launch, name: "Old", endsAt: "2026-11-01T00:00:00.000Z" };
    const fixed: DiscountData = {
      ...launch,
      name: null,
      percentOff: null,
      amountOff: 100,
      currency: "usd",
      endsAt: null,
    };
    const summary = summarizeSubscription({ ...base, discounts: [launch, expired, fixed] }, now);
    expect(summary.price).toMatchObject({ subtotal: 1200, total: 800 });
    expect(billedAmountText(summary.price!)).toBe("$12.00, $8.00 / month after discount");
    expect(summary.price?.discounts.map((d) => discountText(d))).toEqual([
      "25% off (Launch) until March 1, 2027",
      "$1.00 off",
    ]);
  });

  it("a single Team seat still shows the seat math, and a discount its price after it", () => {
    const summary = summarizeSubscription({
      ...base,
      planKey: "team",
      unitAmount: 2_900,
      discounts: [
        { name: "Launch", percentOff: 20, amountOff: null, currency: null, endsAt: null },
      ],
    });
    expect(billedAmountText(summary.price!)).toBe(
      "1 seat × $29.00 = $29.00, $23.20 / month after discount",
    );
  });

  it("a trial says when it ends and what happens without a card", () => {
    const end = new Date("2026-12-17T12:00:00Z");
    expect(
      trialNoticeText("Pro", end, { hasPaymentMethod: false, withoutCard: "cancel", price: null }),
    ).toBe(
      "Your Pro trial ends on December 17, 2026. Add a payment method to keep Pro after it; without one, your subscription ends and you're back on Free.",
    );
    expect(
      trialNoticeText("Pro", end, { hasPaymentMethod: false, withoutCard: "pause", price: null }),
    ).toMatch(/without one, Pro is paused until you add one\.$/);
    expect(
      trialNoticeText("Pro", end, {
        hasPaymentMethod: true,
        withoutCard: "cancel",
        price: "$12.00 / month",
      }),
    ).toBe(
      "Your Pro trial ends on December 17, 2026. Then $12.00 / month is charged to your card on file.",
    );
  });

  it("tax on top is said", () => {
    const summary = summarizeSubscription({ ...base, automaticTax: true });
    expect(billedAmountText(summary.price!)).toBe("$12.00 / month plus tax");
  });

  it("malformed stored JSON counts as no discount and no pending change", () => {
    const summary = summarizeSubscription({
      ...base,
      discounts: [{ percentOff: "lots" }],
      pendingChange: { source: "magic" },
    });
    expect(summary.price?.total).toBe(1200);
    expect(summary.pendingChange).toBeNull();
  });
});

function change(overrides: Partial<PendingChange>): PendingChange {
  return {
    source: "schedule",
    at: "2027-01-01T00:00:00.000Z",
    expiresAt: null,
    priceId: "price_pro_monthly",
    planKey: "pro",
    interval: "month",
    quantity: 1,
    unitAmount: 1200,
    currency: "usd",
    ...overrides,
  };
}

describe("pending change wording", () => {
  it("a scheduled change names the plan, its terms and the date", () => {
    const summary = summarizeSubscription({ ...base, planKey: "team", pendingChange: change({}) });
    expect(pendingChangeText(summary.pendingChange!)).toBe(
      "Changes to Pro (monthly) on January 1, 2027.",
    );
  });

  it("a per-seat plan says its seats", () => {
    const summary = summarizeSubscription({
      ...base,
      pendingChange: change({ planKey: "team", interval: "year", quantity: 3 }),
    });
    expect(pendingChangeText(summary.pendingChange!)).toBe(
      "Changes to Team (yearly, 3 seats) on January 1, 2027.",
    );
  });

  it("an update waiting for a payment says so, with its deadline", () => {
    const summary = summarizeSubscription({
      ...base,
      pendingChange: change({
        source: "pending_update",
        at: null,
        expiresAt: "2026-12-02T00:00:00.000Z",
      }),
    });
    expect(pendingChangeText(summary.pendingChange!)).toBe(
      "Changes to Pro (monthly) once its payment goes through (if paid by December 2, 2026).",
    );
  });

  it("a scheduled cancellation replaces a scheduled change", () => {
    const summary = summarizeSubscription({
      ...base,
      cancelAtPeriodEnd: true,
      pendingChange: change({}),
    });
    expect(summary.pendingChange).toBeNull();
    expect(summary.next.kind).toBe("cancels");
  });
});

describe("past-due banner", () => {
  const now = new Date("2026-12-01T00:00:00Z");

  it("within the grace period, gives the date to fix the card by", () => {
    expect(pastDueText("Pro", new Date("2026-12-05T00:00:00Z"), now)).toBe(
      "Your last payment failed. Update your payment method before December 5, 2026 to keep Pro.",
    );
  });

  it("after the grace period, never names a past date: the plan is paused", () => {
    const text = pastDueText("Pro", new Date("2026-11-20T00:00:00Z"), now);
    expect(text).toBe(
      "Your Pro plan is paused because a payment failed. Pay the open invoice to restore it.",
    );
    expect(text).not.toContain("November");
  });

  it("an unpaid subscription (no grace date) is paused too", () => {
    expect(pastDueText("Team", null, now)).toContain("Your Team plan is paused");
  });
});

describe("a live subscription that grants nothing", () => {
  it("incomplete and paused say the customer is on Free, and hide plan changes", () => {
    expect(inactiveStatusText("incomplete", "Pro")).toBe(
      "Your Pro subscription starts once its first payment goes through. Until then you're on Free.",
    );
    expect(inactiveStatusText("paused", "Team")).toContain("you're on Free for now");
    expect(inactiveStatusText("paused", "Pro", true)).toBe(
      "Your Pro trial ended without a payment method, so the plan is paused and you're on Free. Contact support to resume it.",
    );
    expect(inactiveStatusText("active", "Pro")).toBeNull();
    expect(summarizeSubscription({ ...base, status: "paused" }).changeable).toBe(false);
    expect(summarizeSubscription({ ...base, status: "incomplete" }).changeable).toBe(false);
    expect(summarizeSubscription({ ...base, status: "past_due" }).changeable).toBe(true);
  });
});

describe("paymentActionText (3-D Secure pending)", () => {
  it("asks to confirm a renewal's payment to keep the plan", () => {
    expect(paymentActionText("Pro", "past_due")).toBe(
      "Your bank needs you to confirm your latest payment for Pro. Confirm it to keep your plan.",
    );
  });

  it("after the grace period (or unpaid) the plan is paused: confirming restores it", () => {
    expect(paymentActionText("Pro", "unpaid", false)).toBe(
      "Your bank needs you to confirm your latest payment for Pro. Confirm it to restore your plan.",
    );
  });

  it("asks to confirm the first payment of an incomplete subscription to start it", () => {
    expect(paymentActionText("Team", "incomplete")).toBe(
      "Your bank needs you to confirm your first payment for Team. Your plan starts once it is confirmed; until then you're on Free.",
    );
  });
});
