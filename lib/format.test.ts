import { describe, expect, it } from "vitest";
import {
  STRIPE_CURRENCIES,
  STRIPE_THREE_DECIMAL_CURRENCIES,
  STRIPE_ZERO_DECIMAL_CURRENCIES,
  stripeMinorUnitExponent,
} from "./currencies";
import { formatDate, formatMoney, resolveLocale } from "./format";

/** Intl separates some currency codes and amounts with a no-break space: compare with spaces. */
function plain(text: string): string {
  return text.replace(/[\u00a0\u202f]/g, " ");
}

describe("stripeMinorUnitExponent", () => {
  it.each([
    ["usd", 2],
    ["USD", 2],
    ["jpy", 0],
    ["JPY", 0],
    ["kwd", 3],
    ["huf", 2],
    ["twd", 2],
    ["isk", 2],
    ["ugx", 2],
    ["idr", 2],
    ["cop", 2],
    ["pkr", 2],
  ])("%s has exponent %i", (currency, exponent) => {
    expect(stripeMinorUnitExponent(currency)).toBe(exponent);
  });

  it("falls back to two decimals for a code Stripe does not document", () => {
    expect(stripeMinorUnitExponent("xyz")).toBe(2);
  });

  it("lists each currency once, and every zero- and three-decimal one among them", () => {
    expect(new Set(STRIPE_CURRENCIES).size).toBe(STRIPE_CURRENCIES.length);
    const all: readonly string[] = STRIPE_CURRENCIES;
    for (const code of [...STRIPE_ZERO_DECIMAL_CURRENCIES, ...STRIPE_THREE_DECIMAL_CURRENCIES]) {
      expect(all).toContain(code);
    }
  });
});

describe("formatMoney", () => {
  it.each([
    [1200, "usd", "$12.00"],
    [8700, "usd", "$87.00"],
    [29000, "usd", "$290.00"],
    [1500, "eur", "€15.00"],
    [1500, "jpy", "¥1,500"],
    [1000, "jpy", "¥1,000"],
    [1234, "kwd", "KWD 1.234"],
    [1000, "kwd", "KWD 1.000"],
    [0, "usd", "$0.00"],
    [-500, "usd", "-$5.00"],
    [100000, "huf", "HUF 1,000"],
    [100050, "huf", "HUF 1,000.50"],
    [50000, "isk", "ISK 500"],
    [500, "ugx", "UGX 5"],
    [80000, "twd", "NT$800.00"],
    [1000000, "idr", "IDR 10,000"],
    [250000, "cop", "COP 2,500"],
    [99999999999, "idr", "IDR 999,999,999.99"],
  ])("%i %s is %s", (amount, currency, expected) => {
    expect(plain(formatMoney(amount, currency))).toBe(expected);
  });

  it("reads HUF in Stripe's two-decimal minor units, not Intl's zero-decimal ones", () => {
    const text = formatMoney(100000, "huf");
    expect(text).toContain("1,000");
    expect(text).not.toContain("100,000");
  });

  it("is case-insensitive about the currency code", () => {
    expect(formatMoney(8700, "USD")).toBe(formatMoney(8700, "usd"));
  });

  it.each(STRIPE_CURRENCIES)(
    "%s: 1,000 major units in Stripe's minor units print 1,000",
    (code) => {
      const minorUnits = 1000 * 10 ** stripeMinorUnitExponent(code);
      const text = plain(formatMoney(minorUnits, code));
      // The one number in the text is exactly 1,000, with nothing but zeros after the point.
      expect(text.match(/\d[\d,.]*/g)).toEqual([expect.stringMatching(/^1,000(\.0+)?$/)]);
      // Intl takes the code as given, not as some other currency.
      const intl = new Intl.NumberFormat("en-US", { style: "currency", currency: code });
      expect(intl.resolvedOptions().currency).toBe(code.toUpperCase());
    },
  );

  it("never hides a fraction Stripe's amount has, whatever Intl's usual digits are", () => {
    expect(plain(formatMoney(100001, "huf"))).toBe("HUF 1,000.01");
    expect(plain(formatMoney(50050, "isk"))).toBe("ISK 500.50");
    expect(plain(formatMoney(1234, "usd"))).toBe("$12.34");
    expect(plain(formatMoney(1230, "kwd"))).toBe("KWD 1.230");
  });

  it("shows a sub-minor-unit amount in full instead of rounding it away", () => {
    expect(formatMoney(12.5, "usd")).toBe("$0.125");
  });

  it("formats in the given locale", () => {
    expect(plain(formatMoney(8700, "usd", "de-DE"))).toBe("87,00 $");
    expect(plain(formatMoney(100000, "huf", "de-DE"))).toBe("1.000 HUF");
    expect(plain(formatMoney(100050, "huf", "de-DE"))).toBe("1.000,50 HUF");
    expect(plain(formatMoney(123456, "eur", "fr-FR"))).toBe("1 234,56 €");
    expect(plain(formatMoney(1000, "jpy", "ja-JP"))).toBe("￥1,000");
  });

  it("formats an unknown (but well-formed) code as two-decimal", () => {
    expect(plain(formatMoney(123456, "xyz"))).toBe("XYZ 1,234.56");
  });
});

describe("formatDate", () => {
  it("formats in UTC whatever the host's zone", () => {
    expect(formatDate(new Date("2026-12-25T23:30:00Z"))).toBe("December 25, 2026");
  });

  it("formats in the given locale", () => {
    expect(formatDate(new Date("2026-12-25T23:30:00Z"), "de-DE")).toBe("25. Dezember 2026");
    expect(formatDate(new Date("2026-12-25T23:30:00Z"), "en-GB")).toBe("25 December 2026");
  });
});

describe("resolveLocale", () => {
  it.each<[string | null | undefined, string]>([
    [null, "en-US"],
    [undefined, "en-US"],
    ["", "en-US"],
    ["   ", "en-US"],
    ["de-DE", "de-DE"],
    ["de-DE,de;q=0.9,en;q=0.8", "de-DE"],
    ["en-us", "en-US"],
    ["fr;q=0.5, ja;q=0.9", "ja"],
    ["fr, de", "fr"],
    ["de;q=0.7, fr;q=0.7", "de"],
    ["en-GB;q=0.8, en;q=0.9", "en"],
    ["*", "en-US"],
    ["*;q=0.1, de;q=0.5", "de"],
    ["de;q=0.5, *;q=0.9", "en-US"],
    ["de;q=0, fr;q=0.3", "fr"],
    ["zz, de;q=0.1", "de"],
    ["de;q=abc, fr;q=0.4", "fr"],
    ["de;q=1.5, fr;q=0.4", "fr"],
    ["de;q=, fr;q=0.4", "fr"],
    [";;;,,,", "en-US"],
    ["x-klingon", "en-US"],
    ["12345", "en-US"],
    ["en_US, fr;q=0.1", "fr"],
    ["<script>", "en-US"],
    ["de-DE-u-ca-buddhist", "de-DE"],
    ["zh-Hant-TW;q=0.9", "zh-Hant-TW"],
    ["pt-BR ; q = 0.8 , es ; q=0.5", "pt-BR"],
  ])("%j resolves to %s", (header, expected) => {
    expect(resolveLocale(header)).toBe(expected);
  });

  it("looks at a bounded part of an oversized header", () => {
    const header = `${"zz;q=0.9,".repeat(10_000)}de;q=0.8`;
    expect(resolveLocale(header)).toBe("en-US");
  });

  it("returns a locale formatMoney and formatDate accept", () => {
    const locale = resolveLocale("de-CH, de;q=0.9");
    expect(locale).toBe("de-CH");
    expect(plain(formatMoney(8700, "chf", locale))).toBe("CHF 87.00");
    expect(formatDate(new Date("2026-01-02T00:00:00Z"), locale)).toBe("2. Januar 2026");
  });
});
