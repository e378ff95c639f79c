/**
 * Stripe's currencies: which codes it accepts and how many decimals its API amounts have (its
 * table, https://docs.stripe.com/currencies, which is not always Intl's: HUF and TWD are
 * two-decimal at Stripe; ISK and UGX are two-decimal with whole units only — Stripe's "special
 * cases": "backwards compatibility requires you to represent it as a two-decimal value, where the
 * decimal amount is always 00").
 *
 * UGX is also still listed among Stripe's zero-decimal currencies; the emulator follows the
 * stricter special case (two decimals, multiples of 100), so an integration that sends whole
 * shillings is refused here instead of being charged 1/100 of the intended amount.
 *
 * Written apart from the app's lib/currencies.ts on purpose: the emulator stands in for Stripe,
 * so it never imports the app's code; a shared table would make a wrong app table pass its tests.
 */
import { invalid } from "../http/errors";

/** Stripe's presentment currencies (lowercase ISO codes). */
export const STRIPE_CURRENCIES: ReadonlySet<string> = new Set(
  (
    "usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp " +
    "byn bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel " +
    "gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd " +
    "kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok " +
    "npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle " +
    "sos srd std szl thb tjs tnd top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf " +
    "yer zar zmw"
  ).split(" "),
);

/** Amounts are whole units: `500` is ¥500. */
const ZERO_DECIMAL = new Set([
  "bif",
  "clp",
  "djf",
  "gnf",
  "jpy",
  "kmf",
  "krw",
  "mga",
  "pyg",
  "rwf",
  "vnd",
  "vuv",
  "xaf",
  "xof",
  "xpf",
]);

/** Two-decimal in the API, but only whole units can be charged (amounts divisible by 100). */
const WHOLE_UNITS_ONLY = new Set(["isk", "ugx"]);

/** Amounts are thousandths, and Stripe wants the last digit to be 0 for payments. */
const THREE_DECIMAL = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);

/** Decimals of an API amount in this currency, per Stripe's table (2 unless listed). */
export function minorUnitDigits(currency: string): number {
  const c = currency.toLowerCase();
  if (ZERO_DECIMAL.has(c)) return 0;
  if (THREE_DECIMAL.has(c)) return 3;
  return 2;
}

/** Lowercases and checks a currency code like Stripe (`Invalid currency: …`). */
export function parseCurrency(raw: string, param: string): string {
  const c = raw.toLowerCase();
  if (!STRIPE_CURRENCIES.has(c)) {
    throw invalid(
      param,
      `Invalid currency: ${c}. Stripe currently supports these currencies: ${[...STRIPE_CURRENCIES].join(", ")}`,
    );
  }
  return c;
}

/**
 * Stripe's special cases for amounts that can be charged: ISK and UGX are two-decimal in the API
 * but only whole units are accepted (multiples of 100); three-decimal currencies must end in 0.
 * Stripe enforces this on charges; the emulator refuses such prices already (stricter, earlier).
 */
export function checkChargeableAmount(amount: number, currency: string, param: string): void {
  const c = currency.toLowerCase();
  if (WHOLE_UNITS_ONLY.has(c) && amount % 100 !== 0) {
    throw invalid(
      param,
      `Invalid amount. Currency ${c.toUpperCase()} has become effectively zero-decimal and charged amounts must be evenly divisible by 100. See https://stripe.com/docs/currencies#special-cases for more information.`,
    );
  }
  if (THREE_DECIMAL.has(c) && amount % 10 !== 0) {
    throw invalid(
      param,
      `Invalid amount. Amounts in ${c.toUpperCase()} must be rounded to the nearest ten (the last digit must be 0). See https://stripe.com/docs/currencies#three-decimal for more information.`,
    );
  }
}

/** An API amount for people: Stripe's minor units, Intl's symbol and grouping. */
export function formatAmount(amount: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  const value = amount / 10 ** digits;
  const code = currency.toUpperCase();
  try {
    const intlDigits = new Intl.NumberFormat("en-US", {
      style: "currency",
      currency: code,
    }).resolvedOptions().maximumFractionDigits;
    // Intl's own digits when the value is whole (¥1,500, ISK 1,000, $10.00), else every
    // significant Stripe digit (HUF 2,500.50 although Intl shows forints without decimals).
    const shown = Number.isInteger(value) ? Math.min(intlDigits ?? digits, digits) : digits;
    return new Intl.NumberFormat("en-US", {
      style: "currency",
      currency: code,
      minimumFractionDigits: shown,
      maximumFractionDigits: shown,
    }).format(value);
  } catch {
    return `${value.toFixed(digits)} ${code}`;
  }
}
