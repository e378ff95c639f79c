import { z } from "zod";
import { fetchSnapshot } from "@/lib/billing/sync/fetch";
import {
  invoiceData,
  isStoredInvoice,
  NO_PAYMENT_METHOD,
  paymentMethodData,
  subscriptionData,
  type PaymentMethodData,
} from "@/lib/billing/sync/records";
import { db } from "@/lib/db";
import { formatMoneyPlain } from "@/lib/format";
import { recentCustomerEvents } from "@/lib/admin/customer-events";

/**
 * One customer on /admin/billing/customers/[id]: our synced rows next to Stripe's current state,
 * field by field. Stripe is read on demand only (when an admin opens the page), with the sync's
 * own fetch and mapping (sync/fetch.ts, sync/records.ts), so a difference here is one the next
 * sync would write.
 */

export const customerIdSchema = z
  .string()
  .trim()
  .regex(/^cus_[A-Za-z0-9_]{1,250}$/, "expected a Stripe customer id (cus_…)");

export function parseCustomerId(raw: unknown): string | null {
  const parsed = customerIdSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

export type FieldRow = { field: string; ours: string; stripe: string; differs: boolean };

export type SubscriptionComparison = {
  id: string;
  /** Where the subscription exists: a row only one side has is a difference in itself. */
  presence: "both" | "ours" | "stripe";
  fields: FieldRow[];
};

export type StripeRead = { ok: true } | { ok: false; error: string };

export type CustomerComparison =
  | { kind: "invalid"; input: string }
  | { kind: "unknown"; customerId: string }
  | {
      kind: "found";
      customer: {
        id: string;
        userId: string;
        userEmail: string | null;
        email: string | null;
        livemode: boolean;
        deleted: boolean;
        syncedAt: Date | null;
      };
      queue: {
        waiting: number;
        failures: number;
        lastError: string | null;
        lastSyncedAt: Date | null;
      } | null;
      stripe: StripeRead;
      customerFields: FieldRow[];
      subscriptions: SubscriptionComparison[];
      invoiceFields: FieldRow[];
      /** How many fields (and rows present on one side only) differ. */
      differences: number;
      events: Awaited<ReturnType<typeof recentCustomerEvents>>;
    };

type SubscriptionFields = {
  status: string;
  priceId: string | null;
  priceLookupKey: string | null;
  planKey: string | null;
  quantity: number;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  currentPeriodEnd: Date | null;
  trialEnd: Date | null;
};
type InvoiceFields = { id: string; status: string | null; amountDue: number; currency: string };
type Side = {
  deleted: boolean;
  email: string | null;
  paymentMethod: PaymentMethodData;
  subscriptions: Map<string, SubscriptionFields>;
  invoices: InvoiceFields[];
};

export async function loadCustomerComparison(raw: unknown): Promise<CustomerComparison> {
  const customerId = parseCustomerId(raw);
  if (!customerId) return { kind: "invalid", input: String(raw ?? "").slice(0, 100) };
  const row = await db.billingCustomer.findUnique({
    where: { id: customerId },
    include: {
      user: { select: { email: true } },
      sync: true,
      subscriptions: true,
      invoices: { orderBy: { stripeCreatedAt: "desc" } },
    },
  });
  if (!row) return { kind: "unknown", customerId };

  const ours: Side = {
    deleted: row.deleted,
    email: row.email,
    paymentMethod: {
      defaultPaymentMethodId: row.defaultPaymentMethodId,
      paymentMethodType: row.paymentMethodType,
      cardBrand: row.cardBrand,
      cardLast4: row.cardLast4,
      cardExpMonth: row.cardExpMonth,
      cardExpYear: row.cardExpYear,
      paymentMethodLabel: row.paymentMethodLabel,
    },
    subscriptions: new Map(row.subscriptions.map((s) => [s.id, s])),
    invoices: row.invoices,
  };
  const [stripe, theirs] = await readStripe(
    customerId,
    row.subscriptions.map((s) => s.id),
  );
  const { customerFields, subscriptions, invoiceFields } = compare(ours, theirs);
  const differences =
    [...customerFields, ...invoiceFields].filter((f) => f.differs).length +
    subscriptions.reduce(
      (n, s) => n + (s.presence === "both" ? s.fields.filter((f) => f.differs).length : 1),
      0,
    );
  const sync = row.sync;
  return {
    kind: "found",
    customer: {
      id: row.id,
      userId: row.userId,
      userEmail: row.user.email,
      email: row.email,
      livemode: row.livemode,
      deleted: row.deleted,
      syncedAt: row.syncedAt,
    },
    queue: sync && {
      waiting: Math.max(0, sync.requestSeq - sync.doneSeq),
      failures: sync.failures,
      lastError: sync.lastError,
      lastSyncedAt: sync.lastSyncedAt,
    },
    stripe,
    customerFields,
    subscriptions,
    invoiceFields,
    differences: stripe.ok ? differences : 0,
    events: await recentCustomerEvents(customerId),
  };
}

/** Stripe's side, in the shape of ours; null when Stripe could not be read (the page says why). */
async function readStripe(
  customerId: string,
  knownSubscriptionIds: string[],
): Promise<[StripeRead, Side | null]> {
  try {
    const snapshot = await fetchSnapshot(customerId, knownSubscriptionIds);
    const subscriptions = new Map(
      snapshot.subscriptions.map((s) => {
        const data = subscriptionData(s, snapshot.invoices, {
          schedule: snapshot.schedules.get(s.id) ?? null,
          prices: snapshot.prices,
          coupons: snapshot.coupons,
        });
        return [s.id, data] as const;
      }),
    );
    const customer = snapshot.customer;
    return [
      { ok: true },
      {
        deleted: customer.deleted === true,
        email: customer.deleted ? null : customer.email,
        paymentMethod: snapshot.paymentMethod
          ? paymentMethodData(snapshot.paymentMethod)
          : NO_PAYMENT_METHOD,
        subscriptions,
        invoices: snapshot.invoices.filter(isStoredInvoice).map(invoiceData),
      },
    ];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [{ ok: false, error: message.split("\n")[0] ?? message }, null];
  }
}

const UNREAD = "(not read)";

function compare(ours: Side, theirs: Side | null) {
  const row = (field: string, a: string, b: string | null): FieldRow => ({
    field,
    ours: a,
    stripe: b ?? UNREAD,
    differs: b !== null && a !== b,
  });
  const customerFields = [
    row("Deleted", yesNo(ours.deleted), theirs && yesNo(theirs.deleted)),
    row("Billing email", text(ours.email), theirs && text(theirs.email)),
    row(
      "Default payment method",
      paymentMethod(ours.paymentMethod),
      theirs && paymentMethod(theirs.paymentMethod),
    ),
  ];

  const ids = [...new Set([...ours.subscriptions.keys(), ...(theirs?.subscriptions.keys() ?? [])])];
  const subscriptions: SubscriptionComparison[] = ids.sort().map((id) => {
    const a = ours.subscriptions.get(id);
    const b = theirs ? (theirs.subscriptions.get(id) ?? null) : undefined;
    const presence = a && b ? "both" : a ? (b === undefined ? "both" : "ours") : "stripe";
    const show = (s: SubscriptionFields | null | undefined) => (s ? subscriptionFields(s) : null);
    const left = show(a);
    const right = show(b);
    const fields = Object.keys(left ?? right ?? {}).map((field) =>
      row(
        field,
        left?.[field] ?? "(no row)",
        b === undefined ? null : (right?.[field] ?? "(not in Stripe)"),
      ),
    );
    return { id, presence, fields };
  });

  const open = (invoices: InvoiceFields[]) =>
    invoices
      .filter((i) => i.status === "open")
      .map((i) => `${i.id}: ${formatMoneyPlain(i.amountDue, i.currency)} due`)
      .sort()
      .join("; ") || "none";
  const invoiceFields = [
    row("Open invoices", open(ours.invoices), theirs && open(theirs.invoices)),
  ];
  return { customerFields, subscriptions, invoiceFields };
}

function subscriptionFields(s: SubscriptionFields): Record<string, string> {
  return {
    Status: s.status,
    Price: s.priceLookupKey ? `${s.priceLookupKey} (${text(s.priceId)})` : text(s.priceId),
    Plan: text(s.planKey),
    Quantity: String(s.quantity),
    "Cancel at period end": yesNo(s.cancelAtPeriodEnd),
    "Cancels at": date(s.cancelAt),
    "Current period end": date(s.currentPeriodEnd),
    "Trial end": date(s.trialEnd),
  };
}

function paymentMethod(pm: PaymentMethodData): string {
  if (!pm.defaultPaymentMethodId) return "none";
  return pm.paymentMethodLabel
    ? `${pm.paymentMethodLabel} (${pm.defaultPaymentMethodId})`
    : pm.defaultPaymentMethodId;
}

const yesNo = (v: boolean) => (v ? "yes" : "no");
const text = (v: string | null | undefined) => v ?? "—";
const date = (d: Date | null) => (d ? d.toISOString().replace(".000Z", "Z") : "—");
