/** In-memory state per mode (test/live), optionally persisted as JSON. */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import type Stripe from "stripe";
import { idOf } from "../http/expand";

export type Mode = "test" | "live";

/** Emulator-only bookkeeping that Stripe keeps server-side and never returns. */
export interface SubscriptionInternal {
  trialWillEndSent: boolean;
  /** Proration lines waiting for the next invoice (proration_behavior=create_prorations). */
  pendingLines: { description: string; amount: number; priceId: string; quantity: number }[];
  /** Failed payment attempts on the latest renewal invoice. */
  failedAttempts: number;
  /** The renewal (unix time) `invoice.upcoming` was last sent for (upcoming-invoices.ts). */
  upcomingSentFor?: number;
  /** `once` discounts already used on an invoice: they leave at the next one (discounts.ts). */
  usedOnce?: string[];
}

/** What happens when the last retry of a renewal fails (Stripe's "Subscription status" setting). */
export type DunningFinalAction = "cancel" | "unpaid" | "past_due";

/** Stripe's account settings for failed payments (Settings → Billing → Manage failed payments). */
export interface DunningSettings {
  /** Custom retry schedule: each retry this many days after the previous attempt. */
  retryDays: number[];
  finalAction: DunningFinalAction;
}

export type MissingPaymentMethod = "cancel" | "pause" | "create_invoice";

export interface AdjustableQuantity {
  enabled: boolean;
  minimum: number;
  maximum: number;
}

/** A `discounts[i]` param: a coupon or a promotion code id. */
export type DiscountRef = { coupon: string } | { promotion_code: string };

export interface PortalSessionInternal {
  createdAtMs: number;
  openedAtMs: number | null;
  flowDone: boolean;
  /** Set on the first open: the cookie value of the browser the session is bound to. */
  browserKey?: string;
}

export interface ModeState {
  customers: Record<string, Stripe.Customer>;
  deletedCustomers: Record<string, true>;
  products: Record<string, Stripe.Product>;
  prices: Record<string, Stripe.Price>;
  subscriptions: Record<string, Stripe.Subscription>;
  subscriptionSchedules: Record<string, Stripe.SubscriptionSchedule>;
  invoices: Record<string, Stripe.Invoice>;
  paymentMethods: Record<string, Stripe.PaymentMethod>;
  checkoutSessions: Record<string, Stripe.Checkout.Session>;
  portalConfigurations: Record<string, Stripe.BillingPortal.Configuration>;
  portalSessions: Record<string, Stripe.BillingPortal.Session>;
  webhookEndpoints: Record<string, Stripe.WebhookEndpoint>;
  events: Record<string, Stripe.Event>;
  subInternal: Record<string, SubscriptionInternal>;
  /**
   * `currency_options` of each price, by price id. Stripe only returns them when expanded
   * (`expand[]=currency_options`), so they live next to the price rather than on it.
   */
  priceCurrencyOptions: Record<string, Record<string, Stripe.Price.CurrencyOptions>>;
  portalInternal: Record<string, PortalSessionInternal>;
  checkoutInternal: Record<
    string,
    {
      lines: { price: string; quantity: number }[];
      /** The session's presentment currency (the price's own, or one of its currency_options). */
      currency?: string;
      trialDays: number | null;
      subscriptionMetadata: Record<string, string>;
      /** `subscription_data[trial_settings][end_behavior][missing_payment_method]`. */
      missingPaymentMethod?: MissingPaymentMethod;
      /** `line_items[i][adjustable_quantity]`, by line index. */
      adjustable?: (AdjustableQuantity | null)[];
      /** `discounts[]` of the session: coupon / promotion code ids to apply on completion. */
      discounts?: DiscountRef[];
    }
  >;
  /** Each invoice's default payment (`invoice.payments` when expanded), by invoice id. */
  invoicePayments: Record<string, Stripe.InvoicePayment>;
  /** PaymentIntents behind invoice payments (`requires_action` for 3-D Secure). */
  paymentIntents: Record<string, Stripe.PaymentIntent>;
  /** Test clocks (test mode only); customers name theirs in `test_clock`. */
  testClocks: Record<string, Stripe.TestHelpers.TestClock>;
  /** Set through `/_emulator/dunning`; absent means the emulator's start option (or default). */
  dunning?: DunningSettings;
  coupons: Record<string, Stripe.Coupon>;
  /** `currency_options` of each coupon (includable, like prices'), by coupon id. */
  couponCurrencyOptions: Record<string, Record<string, Stripe.Coupon.CurrencyOptions>>;
  /** Deleted coupons: gone from the API, still named (and expandable) by the discounts made of them. */
  deletedCoupons: Record<string, Stripe.Coupon>;
  promotionCodes: Record<string, Stripe.PromotionCode>;
  /** Every discount ever applied (`di_…`), also after it left its subscription. */
  discounts: Record<string, Stripe.Discount>;
}

export interface State {
  version: 1;
  clockOffset: number;
  modes: Record<Mode, ModeState>;
}

export function emptyMode(): ModeState {
  return {
    customers: {},
    deletedCustomers: {},
    products: {},
    prices: {},
    subscriptions: {},
    subscriptionSchedules: {},
    invoices: {},
    paymentMethods: {},
    checkoutSessions: {},
    portalConfigurations: {},
    portalSessions: {},
    webhookEndpoints: {},
    events: {},
    subInternal: {},
    priceCurrencyOptions: {},
    portalInternal: {},
    checkoutInternal: {},
    invoicePayments: {},
    paymentIntents: {},
    testClocks: {},
    coupons: {},
    couponCurrencyOptions: {},
    deletedCoupons: {},
    promotionCodes: {},
    discounts: {},
  };
}

export function emptyState(): State {
  return { version: 1, clockOffset: 0, modes: { test: emptyMode(), live: emptyMode() } };
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomToken(24)}`;
}

/** Newest first, which is the order Stripe lists use (insertion order reversed). */
export function newestFirst<T>(record: Record<string, T>): T[] {
  return Object.values(record).reverse();
}

/**
 * Subscription items carry their price (and its legacy `plan` view) as Stripe renders them: the
 * price as it is now, not as it was when the item was created. A price's mutable fields (active,
 * lookup_key, nickname, metadata) change through prices.ts, which calls this; amount, currency,
 * recurring and product never change. Without `priceId`, refreshes every item (a loaded state file).
 */
export function refreshPriceCopies(s: ModeState, priceId?: string): void {
  for (const sub of Object.values(s.subscriptions)) {
    for (const item of sub.items.data) {
      if (priceId !== undefined && item.price.id !== priceId) continue;
      const price = s.prices[item.price.id];
      if (!price) continue;
      item.price = structuredClone(price);
      item.plan = {
        ...item.plan,
        active: price.active,
        metadata: structuredClone(price.metadata),
        nickname: price.nickname,
      };
    }
  }
}

export class Persistence {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly file: string | undefined,
    private readonly getState: () => State,
  ) {}

  load(): State {
    if (!this.file || !existsSync(this.file)) return emptyState();
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.file, "utf8"));
    } catch (e) {
      throw new Error(
        `state file ${this.file} is not valid JSON (${e instanceof Error ? e.message : String(e)}); fix or delete it`,
      );
    }
    const state = emptyState();
    if (typeof parsed === "object" && parsed !== null && "modes" in parsed) {
      // The file is our own output; merge over defaults so older files gain new collections.
      const loaded = parsed as Partial<State>;
      state.clockOffset = loaded.clockOffset ?? 0;
      for (const mode of ["test", "live"] as const) {
        state.modes[mode] = { ...emptyMode(), ...(loaded.modes?.[mode] ?? {}) };
        // Files written before items followed their price may hold stale copies.
        refreshPriceCopies(state.modes[mode]);
      }
    }
    return state;
  }

  /** Debounced so a burst of changes results in one write. */
  schedule(): void {
    if (!this.file || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.writeNow();
    }, 50);
  }

  writeNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    // Write to a temp file then rename: a crash never leaves a half-written state file.
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.getState()));
    renameSync(tmp, this.file);
  }
}

/** The test clock of a customer id in this mode, or null. */
export function clockOfCustomer(s: ModeState, customerId: string | null): string | null {
  if (!customerId) return null;
  const clock = s.customers[customerId]?.test_clock;
  if (!clock) return null;
  return idOf(clock);
}
