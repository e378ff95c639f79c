import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { paymentMethodTypeName, summarizePaymentMethod } from "./payment-method-summary";

// Fixtures typed as the SDK's objects, with every required field, so a field the summary reads
// that the SDK does not have (or a renamed one) fails the typecheck here too.

function paymentMethod(
  type: Stripe.PaymentMethod.Type,
  details: Partial<Stripe.PaymentMethod> = {},
): Stripe.PaymentMethod {
  return {
    id: "pm_test",
    object: "payment_method",
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    created: 1_767_225_600,
    customer: "cus_test",
    customer_account: null,
    livemode: false,
    metadata: {},
    type,
    ...details,
  };
}

function card(overrides: Partial<Stripe.PaymentMethod.Card> = {}): Stripe.PaymentMethod {
  return paymentMethod("card", {
    card: {
      brand: "visa",
      checks: null,
      country: "US",
      display_brand: null,
      exp_month: 12,
      exp_year: 2030,
      funding: "credit",
      generated_from: null,
      last4: "4242",
      networks: null,
      regulated_status: null,
      three_d_secure_usage: null,
      wallet: null,
      ...overrides,
    },
  });
}

function wallet(type: Stripe.PaymentMethod.Card.Wallet.Type): Stripe.PaymentMethod.Card.Wallet {
  return { type, dynamic_last4: "0001" };
}

function label(pm: Stripe.PaymentMethod): string {
  return summarizePaymentMethod(pm).label;
}

describe("summarizePaymentMethod: card", () => {
  it("names the brand and last four, with the expiry", () => {
    expect(summarizePaymentMethod(card())).toEqual({
      label: "Visa ending in 4242",
      expires: { month: 12, year: 2030 },
    });
  });

  it.each([
    ["visa", "Visa"],
    ["mastercard", "Mastercard"],
    ["amex", "American Express"],
    ["discover", "Discover"],
    ["diners", "Diners Club"],
    ["jcb", "JCB"],
    ["unionpay", "UnionPay"],
    ["cartes_bancaires", "Cartes Bancaires"],
    ["eftpos_au", "eftpos"],
    ["interac", "Interac"],
    ["link", "Link"],
    ["unknown", "Card"],
    ["", "Card"],
    ["some_new_brand", "Some new brand"],
  ])("brand %j is %s", (brand, name) => {
    expect(label(card({ brand, last4: "1234" }))).toBe(`${name} ending in 1234`);
  });

  it("prefers the display brand, the customer's choice on a co-badged card", () => {
    expect(label(card({ brand: "visa", display_brand: "cartes_bancaires" }))).toBe(
      "Cartes Bancaires ending in 4242",
    );
    expect(label(card({ brand: "amex", display_brand: "american_express" }))).toBe(
      "American Express ending in 4242",
    );
    expect(label(card({ brand: "eftpos_au", display_brand: "eftpos_australia" }))).toBe(
      "eftpos ending in 4242",
    );
  });

  it("falls back to the brand when the display brand is other", () => {
    expect(label(card({ brand: "mastercard", display_brand: "other" }))).toBe(
      "Mastercard ending in 4242",
    );
  });

  it.each([
    ["apple_pay", "Visa ending in 4242 (Apple Pay)"],
    ["google_pay", "Visa ending in 4242 (Google Pay)"],
    ["samsung_pay", "Visa ending in 4242 (Samsung Pay)"],
    ["link", "Visa ending in 4242 (Link)"],
    ["amex_express_checkout", "Visa ending in 4242 (Amex Express Checkout)"],
    ["masterpass", "Visa ending in 4242 (Masterpass)"],
    ["visa_checkout", "Visa ending in 4242 (Visa Checkout)"],
    ["some_wallet", "Visa ending in 4242 (Some wallet)"],
  ])("a %s wallet card is %s", (type, expected) => {
    expect(label(card({ wallet: wallet(type) }))).toBe(expected);
  });

  it("keeps the card's own last four, not the wallet's device number", () => {
    expect(label(card({ last4: "4242", wallet: wallet("apple_pay") }))).not.toContain("0001");
  });

  it("drops what is missing, never the label", () => {
    expect(summarizePaymentMethod(card({ last4: "" }))).toEqual({
      label: "Visa",
      expires: { month: 12, year: 2030 },
    });
  });

  it("has no expiry when the card's is not a real month", () => {
    expect(summarizePaymentMethod(card({ exp_month: 0, exp_year: 0 })).expires).toBeNull();
    expect(summarizePaymentMethod(card({ exp_month: 13, exp_year: 2030 })).expires).toBeNull();
  });

  it("is just Card when the card details are absent", () => {
    expect(summarizePaymentMethod(paymentMethod("card"))).toEqual({ label: "Card", expires: null });
  });
});

describe("summarizePaymentMethod: other types", () => {
  it("link shows the email", () => {
    const pm = paymentMethod("link", { link: { email: "jo@example.com" } });
    expect(summarizePaymentMethod(pm)).toEqual({ label: "Link (jo@example.com)", expires: null });
  });

  it("link without an email is Link", () => {
    expect(label(paymentMethod("link", { link: { email: null } }))).toBe("Link");
    expect(label(paymentMethod("link"))).toBe("Link");
  });

  const sepa: Stripe.PaymentMethod.SepaDebit = {
    bank_code: "37040044",
    branch_code: null,
    country: "DE",
    fingerprint: null,
    generated_from: null,
    last4: "3000",
  };

  it("sepa_debit", () => {
    expect(label(paymentMethod("sepa_debit", { sepa_debit: sepa }))).toBe(
      "SEPA Direct Debit ending in 3000",
    );
    expect(label(paymentMethod("sepa_debit", { sepa_debit: { ...sepa, last4: null } }))).toBe(
      "SEPA Direct Debit",
    );
  });

  const usBank: Stripe.PaymentMethod.UsBankAccount = {
    account_holder_type: "individual",
    account_type: "checking",
    bank_name: "STRIPE TEST BANK",
    financial_connections_account: null,
    fingerprint: null,
    last4: "6789",
    networks: null,
    routing_number: "110000000",
    status_details: null,
  };

  it("us_bank_account names the bank", () => {
    expect(label(paymentMethod("us_bank_account", { us_bank_account: usBank }))).toBe(
      "STRIPE TEST BANK account ending in 6789",
    );
  });

  it("us_bank_account without a bank name or last four", () => {
    const noName = { ...usBank, bank_name: null };
    expect(label(paymentMethod("us_bank_account", { us_bank_account: noName }))).toBe(
      "Bank account ending in 6789",
    );
    const nothing = { ...usBank, bank_name: null, last4: null };
    expect(label(paymentMethod("us_bank_account", { us_bank_account: nothing }))).toBe(
      "Bank account",
    );
  });

  it("bacs_debit", () => {
    const bacs = { fingerprint: null, last4: "2345", sort_code: "108800" };
    expect(label(paymentMethod("bacs_debit", { bacs_debit: bacs }))).toBe(
      "Bacs Direct Debit ending in 2345",
    );
    expect(label(paymentMethod("bacs_debit", { bacs_debit: { ...bacs, last4: null } }))).toBe(
      "Bacs Direct Debit",
    );
  });

  it("au_becs_debit", () => {
    const becs = { bsb_number: "000000", fingerprint: null, last4: "3456" };
    expect(label(paymentMethod("au_becs_debit", { au_becs_debit: becs }))).toBe(
      "BECS Direct Debit ending in 3456",
    );
    expect(label(paymentMethod("au_becs_debit", { au_becs_debit: { ...becs, last4: null } }))).toBe(
      "BECS Direct Debit",
    );
  });

  const acss: Stripe.PaymentMethod.AcssDebit = {
    bank_name: "TD Canada Trust",
    fingerprint: null,
    institution_number: "000",
    last4: "6789",
    transit_number: "11000",
  };

  it("acss_debit names the bank", () => {
    expect(label(paymentMethod("acss_debit", { acss_debit: acss }))).toBe(
      "TD Canada Trust ending in 6789",
    );
    expect(label(paymentMethod("acss_debit", { acss_debit: { ...acss, bank_name: null } }))).toBe(
      "Bank account ending in 6789",
    );
  });

  it("nz_bank_account names the bank", () => {
    const nz: Stripe.PaymentMethod.NzBankAccount = {
      account_holder_name: null,
      bank_code: "11",
      bank_name: "ANZ Bank New Zealand",
      branch_code: "1111",
      last4: "0000",
      suffix: null,
    };
    expect(label(paymentMethod("nz_bank_account", { nz_bank_account: nz }))).toBe(
      "ANZ Bank New Zealand account ending in 0000",
    );
  });

  it("paypal shows the payer's email", () => {
    const paypal = { country: "US", payer_email: "jo@example.com", payer_id: "PAYER1" };
    expect(label(paymentMethod("paypal", { paypal }))).toBe("PayPal (jo@example.com)");
    expect(label(paymentMethod("paypal", { paypal: { ...paypal, payer_email: null } }))).toBe(
      "PayPal",
    );
  });

  it("cashapp shows the $cashtag", () => {
    const cashapp = { buyer_id: "BUYER1", cashtag: "$jenny" };
    expect(label(paymentMethod("cashapp", { cashapp }))).toBe("Cash App Pay ($jenny)");
    expect(label(paymentMethod("cashapp", { cashapp: { ...cashapp, cashtag: "jenny" } }))).toBe(
      "Cash App Pay ($jenny)",
    );
    expect(label(paymentMethod("cashapp", { cashapp: { ...cashapp, cashtag: null } }))).toBe(
      "Cash App Pay",
    );
  });

  it("upi shows the virtual payment address", () => {
    expect(label(paymentMethod("upi", { upi: { vpa: "jo@bank" } }))).toBe("UPI (jo@bank)");
    expect(label(paymentMethod("upi", { upi: { vpa: null } }))).toBe("UPI");
  });

  it("payto shows the last four, else the PayID", () => {
    const payto = { bsb_number: "000000", last4: "5678", pay_id: "jo@example.com" };
    expect(label(paymentMethod("payto", { payto }))).toBe("PayTo ending in 5678");
    expect(label(paymentMethod("payto", { payto: { ...payto, last4: null } }))).toBe(
      "PayTo (jo@example.com)",
    );
  });

  it("kr_card names the issuer", () => {
    expect(label(paymentMethod("kr_card", { kr_card: { brand: "shinhan", last4: "1234" } }))).toBe(
      "Shinhan card ending in 1234",
    );
    expect(label(paymentMethod("kr_card", { kr_card: { brand: "bc", last4: "1234" } }))).toBe(
      "BC card ending in 1234",
    );
    expect(label(paymentMethod("kr_card", { kr_card: { brand: null, last4: null } }))).toBe(
      "Korean card",
    );
  });

  it("custom uses its display name", () => {
    const custom = { display_name: "Store credit", logo: null, type: "cpmt_123" };
    expect(label(paymentMethod("custom", { custom }))).toBe("Store credit");
    expect(label(paymentMethod("custom", { custom: { ...custom, display_name: null } }))).toBe(
      "Custom payment method",
    );
  });

  it("card_present and interac_present read like cards", () => {
    const present: Stripe.PaymentMethod.CardPresent = {
      brand: "mastercard",
      brand_product: null,
      cardholder_name: null,
      country: "US",
      exp_month: 4,
      exp_year: 2031,
      fingerprint: null,
      funding: "debit",
      last4: "4444",
      networks: null,
      offline: null,
      preferred_locales: null,
      read_method: "contactless_emv",
    };
    expect(
      summarizePaymentMethod(paymentMethod("card_present", { card_present: present })),
    ).toEqual({ label: "Mastercard ending in 4444", expires: { month: 4, year: 2031 } });
    const interac: Stripe.PaymentMethod.InteracPresent = {
      brand: null,
      cardholder_name: null,
      country: "CA",
      exp_month: 5,
      exp_year: 2032,
      fingerprint: null,
      funding: "debit",
      last4: "0005",
      networks: null,
      preferred_locales: null,
      read_method: null,
    };
    expect(
      summarizePaymentMethod(paymentMethod("interac_present", { interac_present: interac })),
    ).toEqual({ label: "Interac ending in 0005", expires: { month: 5, year: 2032 } });
  });

  it.each<[Stripe.PaymentMethod.Type, Partial<Stripe.PaymentMethod>, string]>([
    ["amazon_pay", { amazon_pay: {} }, "Amazon Pay"],
    ["revolut_pay", { revolut_pay: {} }, "Revolut Pay"],
    ["kakao_pay", { kakao_pay: {} }, "Kakao Pay"],
    ["naver_pay", { naver_pay: { buyer_id: null, funding: "card" } }, "Naver Pay"],
    ["payco", { payco: {} }, "PAYCO"],
    ["samsung_pay", { samsung_pay: {} }, "Samsung Pay"],
    ["ideal", { ideal: { bank: "ing", bic: "INGBNL2A" } }, "iDEAL"],
    ["bancontact", { bancontact: {} }, "Bancontact"],
    ["klarna", { klarna: {} }, "Klarna"],
    ["customer_balance", { customer_balance: {} }, "Bank transfer"],
    ["wechat_pay", { wechat_pay: {} }, "WeChat Pay"],
    ["mb_way", { mb_way: {} }, "MB WAY"],
  ])("%s is %s", (type, details, expected) => {
    expect(summarizePaymentMethod(paymentMethod(type, details))).toEqual({
      label: expected,
      expires: null,
    });
  });

  it("a type this code does not know is named from its identifier", () => {
    expect(summarizePaymentMethod(paymentMethod("some_type"))).toEqual({
      label: "Some type",
      expires: null,
    });
    expect(label(paymentMethod("new-wallet_pay"))).toBe("New wallet pay");
    expect(label(paymentMethod("constructor"))).toBe("Constructor");
    expect(label(paymentMethod("__proto__"))).toBe("Proto");
    expect(label(paymentMethod(""))).toBe("Payment method");
  });
});

describe("paymentMethodTypeName", () => {
  it.each([
    ["card", "Card"],
    ["sepa_debit", "SEPA Direct Debit"],
    ["us_bank_account", "Bank account"],
    ["toString", "Tostring"],
    ["brand_new", "Brand new"],
  ])("%s is %s", (type, name) => {
    expect(paymentMethodTypeName(type)).toBe(name);
  });
});
