import { describe, expect, it } from "vitest";
import {
  isLiveSubscriptionStatus,
  pickCurrentSubscription,
  type SubscriptionLike,
} from "@/lib/billing/access/current-subscription";

const sub = (id: string, status: string, day: number): SubscriptionLike => ({
  id,
  status,
  stripeCreatedAt: new Date(Date.UTC(2026, 0, day)),
});

describe("pickCurrentSubscription", () => {
  it("returns null without subscriptions", () => {
    expect(pickCurrentSubscription([])).toBeNull();
  });

  it("of two live subscriptions, picks the better plan whichever is newer", () => {
    const team = { ...sub("team", "active", 1), planKey: "team" };
    const pro = { ...sub("pro", "active", 20), planKey: "pro" };
    expect(pickCurrentSubscription([team, pro])?.id).toBe("team");
    expect(pickCurrentSubscription([pro, team])?.id).toBe("team");
  });

  it("prefers an older active subscription over a newer canceled one", () => {
    const current = pickCurrentSubscription([sub("new", "canceled", 20), sub("old", "active", 1)]);
    expect(current?.id).toBe("old");
  });

  it("ranks access-granting, then unpaid-but-alive, then ended statuses", () => {
    const all = [
      sub("expired", "incomplete_expired", 30),
      sub("canceled", "canceled", 29),
      sub("incomplete", "incomplete", 28),
      sub("paused", "paused", 27),
      sub("unpaid", "unpaid", 26),
      sub("past_due", "past_due", 25),
      sub("trialing", "trialing", 24),
    ];
    const order: string[] = [];
    const left = [...all];
    while (left.length) {
      const next = pickCurrentSubscription(left)!;
      order.push(next.id);
      left.splice(left.indexOf(next), 1);
    }
    expect(order).toEqual([
      "trialing",
      "past_due",
      // paused and unpaid share a rank: the newer wins
      "paused",
      "unpaid",
      "incomplete",
      "canceled",
      "expired",
    ]);
  });

  it("breaks ties by newest, then by id, independent of input order", () => {
    const a = sub("sub_a", "active", 3);
    const b = sub("sub_b", "trialing", 5);
    expect(pickCurrentSubscription([a, b])?.id).toBe("sub_b");
    expect(pickCurrentSubscription([b, a])?.id).toBe("sub_b");
    const c = sub("sub_c", "active", 5);
    expect(pickCurrentSubscription([c, b])?.id).toBe("sub_b");
    expect(pickCurrentSubscription([b, c])?.id).toBe("sub_b");
  });

  it("never prefers a status Stripe may add later over a live one", () => {
    expect(
      pickCurrentSubscription([sub("x", "some_future_status", 9), sub("y", "unpaid", 1)])?.id,
    ).toBe("y");
    expect(
      pickCurrentSubscription([sub("x", "some_future_status", 1), sub("y", "canceled", 9)])?.id,
    ).toBe("x");
  });

  it("knows which statuses have ended", () => {
    expect(isLiveSubscriptionStatus("canceled")).toBe(false);
    expect(isLiveSubscriptionStatus("incomplete_expired")).toBe(false);
    expect(isLiveSubscriptionStatus("past_due")).toBe(true);
  });
});
