import { describe, expect, it } from "vitest";
import { formatDate, formatMoney } from "./format";

describe("formatMoney", () => {
  it.each([
    [1200, "usd", "$12.00"],
    [29000, "usd", "$290.00"],
    [1500, "eur", "€15.00"],
    [1500, "jpy", "¥1,500"],
    [1234, "kwd", "KWD 1.234"],
    [0, "usd", "$0.00"],
    [-500, "usd", "-$5.00"],
  ])("%i %s is %s", (amount, currency, expected) => {
    expect(formatMoney(amount, currency).replace(/\u00a0/g, " ")).toBe(expected);
  });
});

describe("formatDate", () => {
  it("formats in UTC whatever the host's zone", () => {
    expect(formatDate(new Date("2026-12-25T23:30:00Z"))).toBe("December 25, 2026");
  });
});
