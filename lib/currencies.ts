/**
 * The currencies Stripe accepts for charges, and how Stripe writes their amounts.
 *
 * Every Stripe `amount` is an integer count of the currency's minor unit, 10^-exponent of one
 * major unit. Stripe's exponent is its own, not ISO 4217's and not Intl's: Intl (CLDR) says 0
 * for HUF, ISK, IDR, COP, PKR, UGX and others, but Stripe writes all of those with two decimals.
 *
 * Source: Stripe, "Supported currencies", https://docs.stripe.com/currencies — the presentment
 * currency table, "Minor units in API amounts" ("Currencies are two-decimal currencies unless
 * otherwise specified"), "Zero-decimal currencies", "Three-decimal currencies" and "Special
 * cases". What the special cases say, and what follows for the exponent:
 *
 * - ISK: "transitioned to a zero-decimal currency, but backwards compatibility requires you to
 *   represent it as a two-decimal value, where the decimal amount is always 00. For example, to
 *   charge 5 ISK, provide an amount value of 500." Exponent 2 (amounts are multiples of 100).
 * - UGX: the same wording as ISK ("to charge 5 UGX, provide an amount value of 500"; invoices are
 *   rounded to a multiple of 100). Exponent 2. The same page still lists UGX among the
 *   zero-decimal currencies; the special-case rule is the specific, operative one.
 * - HUF and TWD: "Stripe treats HUF [TWD] as a zero-decimal currency for payouts, even though you
 *   can charge two-decimal amounts" (a manual payout amount must be divisible by 100). Charges,
 *   prices and invoices are two-decimal: exponent 2.
 * - BHD, JOD, KWD, OMR, TND: three-decimal (the last digit of a charge amount must be 0).
 *   Exponent 3. They are presentment currencies for some account countries (e.g. the UAE).
 */

// The emulator keeps its own copy (tools/stripe-emulator/resources/currency.ts) on purpose: it
// stands in for Stripe, so a mistake here must not become a mistake there.

/** Stripe's zero-decimal currencies: `amount` is in major units (500 JPY is 500). */
export const STRIPE_ZERO_DECIMAL_CURRENCIES = [
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
] as const;

/** Stripe's three-decimal currencies: `amount` is in thousandths (5.120 KWD is 5120). */
export const STRIPE_THREE_DECIMAL_CURRENCIES = ["bhd", "jod", "kwd", "omr", "tnd"] as const;

/** Every presentment currency Stripe documents, lowercase as the API writes them. */
export const STRIPE_CURRENCIES = [
  "aed",
  "afn",
  "all",
  "amd",
  "ang",
  "aoa",
  "ars",
  "aud",
  "awg",
  "azn",
  "bam",
  "bbd",
  "bdt",
  "bgn",
  "bhd",
  "bif",
  "bmd",
  "bnd",
  "bob",
  "brl",
  "bsd",
  "bwp",
  "byn",
  "bzd",
  "cad",
  "cdf",
  "chf",
  "clp",
  "cny",
  "cop",
  "crc",
  "cve",
  "czk",
  "djf",
  "dkk",
  "dop",
  "dzd",
  "egp",
  "etb",
  "eur",
  "fjd",
  "fkp",
  "gbp",
  "gel",
  "gip",
  "gmd",
  "gnf",
  "gtq",
  "gyd",
  "hkd",
  "hnl",
  "htg",
  "huf",
  "idr",
  "ils",
  "inr",
  "isk",
  "jmd",
  "jod",
  "jpy",
  "kes",
  "kgs",
  "khr",
  "kmf",
  "krw",
  "kwd",
  "kyd",
  "kzt",
  "lak",
  "lbp",
  "lkr",
  "lrd",
  "lsl",
  "mad",
  "mdl",
  "mga",
  "mkd",
  "mmk",
  "mnt",
  "mop",
  "mur",
  "mvr",
  "mwk",
  "mxn",
  "myr",
  "mzn",
  "nad",
  "ngn",
  "nio",
  "nok",
  "npr",
  "nzd",
  "omr",
  "pab",
  "pen",
  "pgk",
  "php",
  "pkr",
  "pln",
  "pyg",
  "qar",
  "ron",
  "rsd",
  "rub",
  "rwf",
  "sar",
  "sbd",
  "scr",
  "sek",
  "sgd",
  "shp",
  "sle",
  "sos",
  "srd",
  "std",
  "szl",
  "thb",
  "tjs",
  "tnd",
  "top",
  "try",
  "ttd",
  "twd",
  "tzs",
  "uah",
  "ugx",
  "usd",
  "uyu",
  "uzs",
  "vnd",
  "vuv",
  "wst",
  "xaf",
  "xcd",
  "xof",
  "xpf",
  "yer",
  "zar",
  "zmw",
] as const;

export type StripeCurrency = (typeof STRIPE_CURRENCIES)[number];

/** How many decimal places Stripe's minor unit has: 0, 2 (most currencies) or 3. */
export type StripeMinorUnitExponent = 0 | 2 | 3;

const KNOWN: ReadonlySet<string> = new Set(STRIPE_CURRENCIES);
const ZERO_DECIMAL: ReadonlySet<string> = new Set(STRIPE_ZERO_DECIMAL_CURRENCIES);
const THREE_DECIMAL: ReadonlySet<string> = new Set(STRIPE_THREE_DECIMAL_CURRENCIES);

/** Whether `code` (any case) is one of Stripe's documented presentment currencies. */
export function isStripeCurrency(code: string): boolean {
  return KNOWN.has(code.toLowerCase());
}

/**
 * The decimal exponent of Stripe's minor unit for `currency` (any case): `amount / 10 ** exponent`
 * is the amount in major units.
 *
 * A code not in the table gets 2, because that is Stripe's documented default ("Currencies are
 * two-decimal currencies unless otherwise specified"): a currency Stripe adds later is two-decimal
 * unless it joins the zero- or three-decimal lists. Intl's digits are never the fallback; they
 * disagree with Stripe for HUF, ISK, UGX, IDR and more.
 */
export function stripeMinorUnitExponent(currency: string): StripeMinorUnitExponent {
  const code = currency.toLowerCase();
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}
