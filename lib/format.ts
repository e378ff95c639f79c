import { stripeMinorUnitExponent } from "@/lib/currencies";

/** The locale used when none is given, and when a request's Accept-Language offers none usable. */
export const DEFAULT_LOCALE = "en-US";

/** Intl's own ceiling on fraction digits is larger; no Stripe amount needs more than this. */
const MAX_FRACTION_DIGITS = 20;

/** Formatters are costly to build and few distinct ones are used; the bound only guards misuse. */
const MAX_CACHED_FORMATTERS = 500;

const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function cached<T>(cache: Map<string, T>, key: string, build: () => T): T {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  if (cache.size >= MAX_CACHED_FORMATTERS) cache.clear();
  const made = build();
  cache.set(key, made);
  return made;
}

/** Intl's formatter for the currency with the given fraction digits, or Intl's usual ones. */
function currencyFormat(locale: string, currency: string, digits?: number): Intl.NumberFormat {
  return cached(numberFormats, `${locale}|${currency}|${digits ?? ""}`, () =>
    digits === undefined
      ? new Intl.NumberFormat(locale, { style: "currency", currency })
      : new Intl.NumberFormat(locale, {
          style: "currency",
          currency,
          minimumFractionDigits: digits,
          maximumFractionDigits: digits,
        }),
  );
}

type Decimal = { text: `${number}`; fractionDigits: number };

/**
 * `minorUnits / 10 ** exponent` as an exact decimal string (no binary floating point in the
 * division), with the number of fraction digits it really has (trailing zeros dropped). Null for
 * what has no plain decimal form (NaN, Infinity, exponent notation).
 */
function toMajorUnits(minorUnits: number, exponent: number): Decimal | null {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(String(Math.abs(minorUnits)));
  if (!match) return null;
  const integerDigits = (match[1] ?? "").padStart(exponent + 1, "0");
  const cut = integerDigits.length - exponent;
  const whole = integerDigits.slice(0, cut);
  const fraction = (integerDigits.slice(cut) + (match[2] ?? "")).replace(/0+$/, "");
  const sign = minorUnits < 0 ? "-" : "";
  const text = fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
  return { text: text as `${number}`, fractionDigits: fraction.length };
}

/**
 * Money from Stripe's minor units, in the amount's own currency, e.g. `formatMoney(8700, "usd")`
 * is "$87.00" and `formatMoney(100000, "huf")` is "HUF 1,000".
 *
 * The minor unit is Stripe's (lib/currencies.ts), not Intl's: the two disagree for HUF, ISK, UGX,
 * IDR, COP, PKR and others, where Intl shows no decimals but Stripe's amounts have two. The
 * amount is shown with Intl's usual number of digits for the currency in `locale`, except that a
 * non-zero fraction is never rounded away: HUF 1,000.50 shows as "HUF 1,000.50", not "HUF 1,001".
 */
export function formatMoney(
  minorUnits: number,
  currency: string,
  locale: string = DEFAULT_LOCALE,
): string {
  const code = currency.toUpperCase();
  const exponent = stripeMinorUnitExponent(code);
  const usual = currencyFormat(locale, code);
  const amount = toMajorUnits(minorUnits, exponent);
  if (!amount) return usual.format(minorUnits / 10 ** exponent);
  const usualDigits = usual.resolvedOptions().maximumFractionDigits ?? exponent;
  if (amount.fractionDigits === 0) return usual.format(amount.text);
  const digits = Math.min(
    MAX_FRACTION_DIGITS,
    Math.max(usualDigits, exponent, amount.fractionDigits),
  );
  const formatter = digits === usualDigits ? usual : currencyFormat(locale, code, digits);
  return formatter.format(amount.text);
}

/**
 * An amount for logs and operator output ("12.00 USD", "1000 JPY"): locale-free, with the
 * currency's own number of decimals, so a plan diff reads the same on every machine.
 */
export function formatMoneyPlain(minorUnits: number, currency: string): string {
  const code = currency.toUpperCase();
  const exponent = stripeMinorUnitExponent(code);
  return `${(minorUnits / 10 ** exponent).toFixed(exponent)} ${code}`;
}

/** A calendar date (long style), in UTC so server rendering is the same on every host. */
export function formatDate(date: Date, locale: string = DEFAULT_LOCALE): string {
  const formatter = cached(
    dateFormats,
    locale,
    () => new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" }),
  );
  return formatter.format(date);
}

/** Headers are attacker-sized; browsers send a few hundred bytes and a handful of ranges. */
const MAX_ACCEPT_LANGUAGE_LENGTH = 1024;
const MAX_LANGUAGE_RANGES = 16;

/** RFC 9110 §12.4.2 qvalue: 0 to 1 with up to three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;
/** RFC 4647 §2.1 language-range. */
const LANGUAGE_RANGE = /^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$/;

type LanguageRange = { range: string; q: number };

/** The header's ranges with their weights; malformed entries (bad range or q) are left out. */
function parseAcceptLanguage(header: string): LanguageRange[] {
  const ranges: LanguageRange[] = [];
  for (const entry of header.slice(0, MAX_ACCEPT_LANGUAGE_LENGTH).split(",")) {
    if (ranges.length === MAX_LANGUAGE_RANGES) break;
    const [rangePart = "", ...params] = entry.split(";");
    const range = rangePart.trim();
    if (!LANGUAGE_RANGE.test(range)) continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const [name = "", value = ""] = param.split("=").map((part) => part.trim());
      if (name.toLowerCase() !== "q") continue; // Accept-Language has no other parameter.
      if (QVALUE.test(value)) q = Number(value);
      else valid = false;
    }
    if (valid && q > 0) ranges.push({ range, q });
  }
  // Array.prototype.sort is stable: equal weights keep the header's order.
  return ranges.sort((a, b) => b.q - a.q);
}

/** The range as a locale Intl has data for, without Unicode extensions; null when it has none. */
function supportedLocale(range: string): string | null {
  try {
    const [supported] = Intl.DateTimeFormat.supportedLocalesOf(range);
    return supported === undefined ? null : new Intl.Locale(supported).baseName;
  } catch {
    return null; // Well-formed for RFC 4647 but not a valid BCP 47 tag (e.g. "x-klingon").
  }
}

/**
 * The locale to format for a request, from its Accept-Language header: the most preferred range
 * (by q-value, then header order) that Intl supports, canonicalized ("en-us" is "en-US") and
 * without Unicode extensions (so a header cannot switch the calendar or numbering system).
 * `q=0` ranges and malformed entries are skipped; `*` ("any language") and an absent, empty or
 * wholly unusable header give DEFAULT_LOCALE.
 */
export function resolveLocale(acceptLanguage: string | null | undefined): string {
  if (!acceptLanguage) return DEFAULT_LOCALE;
  for (const { range } of parseAcceptLanguage(acceptLanguage)) {
    if (range === "*") return DEFAULT_LOCALE;
    const locale = supportedLocale(range);
    if (locale) return locale;
  }
  return DEFAULT_LOCALE;
}
