import { describe, expect, it } from "vitest";
import { summarizeSubscription, type SummarizableSubscription } from "./subscription-summary";

const periodEnd = new Date("2026-12-25T00:00:00Z");
const base: SummarizableSubscription = {
  status: "active",
  planKey: "pro",
  unknownPrice: false,
  priceLookupKey: "pro_monthly",
  interval: "month",
  quantity: 1,
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
      price: { unitAmount: 1200, currency: "usd", interval: "month" },
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
      priceLookupKey: "legacy_gold",
    });
    expect(summary.planName).toBe("Unrecognised plan");
    expect(summary.price).toBeNull();
  });

  it("quantity multiplies the per-seat price", () => {
    const summary = summarizeSubscription({
      ...base,
      planKey: "team",
      priceLookupKey: "team_yearly",
      interval: "year",
      quantity: 3,
    });
    expect(summary.price).toEqual({ unitAmount: 87_000, currency: "usd", interval: "year" });
  });
});
