import type Stripe from "stripe";

/**
 * A payment method in words a customer recognises ("Visa ending in 4242", "PayPal (jo@example.com)")
 * and, for cards, when it expires. Pure: reads only the PaymentMethod it is given.
 */
export type PaymentMethodSummary = {
  label: string;
  expires: { month: number; year: number } | null;
};

/** The SDK's literal type names, without the open-ended `OtherString` member of its union. */
type KnownLiteral<T> = T extends string ? (string extends T ? never : T) : never;
type KnownPaymentMethodType = KnownLiteral<Stripe.PaymentMethod.Type>;

/**
 * Every payment method type the SDK knows, by the name its provider uses. `satisfies` makes the
 * typecheck fail when an SDK upgrade adds a type, so none falls through to the generic fallback.
 */
const TYPE_NAMES = {
  acss_debit: "Pre-authorized debit",
  affirm: "Affirm",
  afterpay_clearpay: "Afterpay / Clearpay",
  alipay: "Alipay",
  alma: "Alma",
  amazon_pay: "Amazon Pay",
  au_becs_debit: "BECS Direct Debit",
  bacs_debit: "Bacs Direct Debit",
  bancontact: "Bancontact",
  billie: "Billie",
  bizum: "Bizum",
  blik: "BLIK",
  boleto: "Boleto",
  card: "Card",
  card_present: "Card",
  cashapp: "Cash App Pay",
  crypto: "Crypto",
  custom: "Custom payment method",
  customer_balance: "Bank transfer",
  eps: "EPS",
  fpx: "FPX",
  giropay: "giropay",
  grabpay: "GrabPay",
  ideal: "iDEAL",
  interac_present: "Interac",
  kakao_pay: "Kakao Pay",
  klarna: "Klarna",
  konbini: "Konbini",
  kr_card: "Korean card",
  link: "Link",
  mb_way: "MB WAY",
  mobilepay: "MobilePay",
  multibanco: "Multibanco",
  naver_pay: "Naver Pay",
  nz_bank_account: "NZ bank account",
  oxxo: "OXXO",
  p24: "Przelewy24",
  pay_by_bank: "Pay by Bank",
  payco: "PAYCO",
  paynow: "PayNow",
  paypal: "PayPal",
  paypay: "PayPay",
  payto: "PayTo",
  pix: "Pix",
  promptpay: "PromptPay",
  revolut_pay: "Revolut Pay",
  samsung_pay: "Samsung Pay",
  satispay: "Satispay",
  scalapay: "Scalapay",
  sepa_debit: "SEPA Direct Debit",
  sequra: "seQura",
  sofort: "Sofort",
  sunbit: "Sunbit",
  swish: "Swish",
  twint: "TWINT",
  upi: "UPI",
  us_bank_account: "Bank account",
  wechat_pay: "WeChat Pay",
  zip: "Zip",
} as const satisfies Record<KnownPaymentMethodType, string>;

/**
 * Card brands in both of Stripe's vocabularies: `card.brand` (amex, diners, eftpos_au, unionpay,
 * ...) and `card.display_brand` (american_express, diners_club, eftpos_australia, union_pay, ...).
 */
const CARD_BRAND_NAMES: Readonly<Record<string, string>> = {
  visa: "Visa",
  mastercard: "Mastercard",
  amex: "American Express",
  american_express: "American Express",
  discover: "Discover",
  diners: "Diners Club",
  diners_club: "Diners Club",
  jcb: "JCB",
  unionpay: "UnionPay",
  union_pay: "UnionPay",
  cartes_bancaires: "Cartes Bancaires",
  eftpos_au: "eftpos",
  eftpos_australia: "eftpos",
  interac: "Interac",
  link: "Link",
};

const WALLET_NAMES: Readonly<Record<string, string>> = {
  amex_express_checkout: "Amex Express Checkout",
  apple_pay: "Apple Pay",
  google_pay: "Google Pay",
  link: "Link",
  masterpass: "Masterpass",
  samsung_pay: "Samsung Pay",
  visa_checkout: "Visa Checkout",
};

/** A lookup that never answers from Object.prototype (a type named "constructor" is just text). */
function lookup(table: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** "some_new_type" → "Some new type": a readable name for a value the tables do not know. */
function humanize(identifier: string): string {
  const words = identifier.replace(/[_-]+/g, " ").replace(/\s+/g, " ").trim().toLowerCase();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : "";
}

/** The name of a payment method type, known or not. */
export function paymentMethodTypeName(type: string): string {
  return lookup(TYPE_NAMES, type) ?? (humanize(type) || "Payment method");
}

function nonEmpty(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

function endingIn(name: string, last4: string | null | undefined): string {
  const digits = nonEmpty(last4);
  return digits ? `${name} ending in ${digits}` : name;
}

function withDetail(name: string, detail: string | null | undefined): string {
  const text = nonEmpty(detail);
  return text ? `${name} (${text})` : name;
}

/** "Visa", from the display brand (the customer's choice on a co-badged card) before the brand. */
function cardBrandName(brand: string | null | undefined, displayBrand?: string | null): string {
  for (const candidate of [displayBrand, brand]) {
    const key = nonEmpty(candidate)?.toLowerCase();
    if (!key || key === "other" || key === "unknown") continue;
    return lookup(CARD_BRAND_NAMES, key) ?? humanize(key);
  }
  return "Card";
}

function expiry(month: number, year: number): PaymentMethodSummary["expires"] {
  const valid = Number.isInteger(month) && Number.isInteger(year) && month >= 1 && month <= 12;
  return valid && year > 0 ? { month, year } : null;
}

function cardSummary(card: Stripe.PaymentMethod.Card): PaymentMethodSummary {
  const base = endingIn(cardBrandName(card.brand, card.display_brand), card.last4);
  const walletType = card.wallet?.type;
  const wallet = walletType ? (lookup(WALLET_NAMES, walletType) ?? humanize(walletType)) : null;
  return { label: withDetail(base, wallet), expires: expiry(card.exp_month, card.exp_year) };
}

/** A card read by a Terminal reader (card_present, interac_present). */
function presentCardSummary(
  card: Stripe.PaymentMethod.CardPresent | Stripe.PaymentMethod.InteracPresent,
  fallbackBrand: string,
): PaymentMethodSummary {
  const brand = nonEmpty(card.brand) ? cardBrandName(card.brand) : fallbackBrand;
  return { label: endingIn(brand, card.last4), expires: expiry(card.exp_month, card.exp_year) };
}

function bankAccount(bankName: string | null | undefined, suffix: string): string {
  const bank = nonEmpty(bankName);
  return bank ? `${bank}${suffix}` : "Bank account";
}

function cashtag(tag: string | null | undefined): string | null {
  const text = nonEmpty(tag);
  if (!text) return null;
  return text.startsWith("$") ? text : `$${text}`;
}

function krCardBrand(brand: string | null | undefined): string {
  const key = nonEmpty(brand);
  if (!key) return TYPE_NAMES.kr_card;
  // Short brand codes are acronyms (bc, mg, nh); the rest are bank names (shinhan, kookmin).
  const name = key.length <= 2 ? key.toUpperCase() : humanize(key);
  return `${name} card`;
}

/** The label alone, for the types whose sub-object carries something worth showing. */
function detailedLabel(pm: Stripe.PaymentMethod): string | null {
  switch (pm.type) {
    case "link":
      return pm.link ? withDetail(TYPE_NAMES.link, pm.link.email) : null;
    case "sepa_debit":
      return pm.sepa_debit ? endingIn(TYPE_NAMES.sepa_debit, pm.sepa_debit.last4) : null;
    case "us_bank_account":
      return pm.us_bank_account
        ? endingIn(bankAccount(pm.us_bank_account.bank_name, " account"), pm.us_bank_account.last4)
        : null;
    case "bacs_debit":
      return pm.bacs_debit ? endingIn(TYPE_NAMES.bacs_debit, pm.bacs_debit.last4) : null;
    case "au_becs_debit":
      return pm.au_becs_debit ? endingIn(TYPE_NAMES.au_becs_debit, pm.au_becs_debit.last4) : null;
    case "acss_debit":
      return pm.acss_debit
        ? endingIn(bankAccount(pm.acss_debit.bank_name, ""), pm.acss_debit.last4)
        : null;
    case "nz_bank_account":
      return pm.nz_bank_account
        ? endingIn(bankAccount(pm.nz_bank_account.bank_name, " account"), pm.nz_bank_account.last4)
        : null;
    case "payto":
      if (!pm.payto) return null;
      return nonEmpty(pm.payto.last4)
        ? endingIn(TYPE_NAMES.payto, pm.payto.last4)
        : withDetail(TYPE_NAMES.payto, pm.payto.pay_id);
    case "paypal":
      return pm.paypal ? withDetail(TYPE_NAMES.paypal, pm.paypal.payer_email) : null;
    case "cashapp":
      return pm.cashapp ? withDetail(TYPE_NAMES.cashapp, cashtag(pm.cashapp.cashtag)) : null;
    case "upi":
      return pm.upi ? withDetail(TYPE_NAMES.upi, pm.upi.vpa) : null;
    case "kr_card":
      return pm.kr_card ? endingIn(krCardBrand(pm.kr_card.brand), pm.kr_card.last4) : null;
    case "custom":
      return pm.custom ? nonEmpty(pm.custom.display_name) : null;
    default:
      return null;
  }
}

/**
 * What the billing page says about a payment method, for every type the Customer Portal can add
 * (card with its wallet, Link, SEPA/Bacs/BECS/ACSS debits, US and NZ bank accounts, PayPal, Cash
 * App Pay, Amazon Pay, Revolut Pay, Kakao Pay, Naver Pay, ...) and any other: a type this code
 * does not know is named from its identifier ("some_type" → "Some type"). A missing or null
 * detail (no email, no bank name, no last four) drops that part of the label, never the label.
 */
export function summarizePaymentMethod(pm: Stripe.PaymentMethod): PaymentMethodSummary {
  if (pm.type === "card" && pm.card) return cardSummary(pm.card);
  if (pm.type === "card_present" && pm.card_present) {
    return presentCardSummary(pm.card_present, TYPE_NAMES.card_present);
  }
  if (pm.type === "interac_present" && pm.interac_present) {
    return presentCardSummary(pm.interac_present, TYPE_NAMES.interac_present);
  }
  return { label: detailedLabel(pm) ?? paymentMethodTypeName(pm.type), expires: null };
}
