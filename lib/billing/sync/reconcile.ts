import type Stripe from "stripe";
import { adoptStripeCustomer } from "@/lib/billing/customers";
import { syncStripeCustomer } from "@/lib/billing/sync";
import { db } from "@/lib/db";
import { getStripe, stripeMode, type StripeMode } from "@/lib/stripe";

/**
 * `npm run stripe:reconcile` and the reconcile cron: re-syncs every known customer of the key's
 * mode with the webhooks' own sync function and reports, per customer, what that changed in our
 * database. Safe at any time: sync converges on Stripe's current state, so a consistent database
 * comes out unchanged.
 */

export type ReconcileOptions = {
  /** Also adopt Stripe customers whose metadata.userId names one of our users but we lost track of. */
  includeStripeCustomers?: boolean;
  /** Only these customers (tests and one-off repairs). */
  customerIds?: readonly string[];
  stripe?: Stripe;
  mode?: StripeMode;
  log?: (line: string) => void;
};

export type CustomerReconciliation = {
  customerId: string;
  userId: string | null;
  status: "unchanged" | "changed" | "skipped" | "failed";
  /** Recorded now from Stripe (only with `includeStripeCustomers`). */
  adopted: boolean;
  /** One line per changed row: what our database said before, and what it says now. */
  changes: string[];
  reason?: string;
};

export type ReconcileResult = {
  mode: StripeMode;
  checked: number;
  changed: number;
  unchanged: number;
  adopted: number;
  skipped: number;
  failed: number;
  customers: CustomerReconciliation[];
};

export async function reconcileBilling(options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const mode = options.mode ?? stripeMode();
  const log = options.log ?? (() => undefined);
  const live = mode === "live";

  const adoptedIds = options.includeStripeCustomers
    ? await adoptStripeCustomers(options.stripe ?? getStripe(), live, log)
    : new Set<string>();

  const known = await db.billingCustomer.findMany({
    where: {
      livemode: live,
      deleted: false,
      ...(options.customerIds && { id: { in: [...options.customerIds] } }),
    },
    select: { id: true, userId: true },
    orderBy: { createdAt: "asc" },
  });

  const customers: CustomerReconciliation[] = [];
  // One at a time: reconciliation should not compete with live webhooks for connections.
  for (const { id, userId } of known) {
    const adopted = adoptedIds.has(id);
    const before = await snapshot(id);
    let outcome: CustomerReconciliation;
    try {
      const result = await syncStripeCustomer(id);
      if (result.status === "skipped") {
        outcome = {
          customerId: id,
          userId,
          status: "skipped",
          adopted,
          changes: [],
          reason: result.reason,
        };
      } else {
        const changes = diffSnapshots(before, await snapshot(id));
        outcome = {
          customerId: id,
          userId,
          status: changes.length || adopted ? "changed" : "unchanged",
          adopted,
          changes: adopted ? ["adopted from Stripe (metadata.userId)", ...changes] : changes,
        };
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      outcome = { customerId: id, userId, status: "failed", adopted, changes: [], reason };
    }
    customers.push(outcome);
    logOutcome(outcome, log);
  }

  const count = (status: CustomerReconciliation["status"]) =>
    customers.filter((c) => c.status === status).length;
  const result: ReconcileResult = {
    mode,
    checked: customers.length,
    changed: count("changed"),
    unchanged: count("unchanged"),
    adopted: adoptedIds.size,
    skipped: count("skipped"),
    failed: count("failed"),
    customers,
  };
  log(
    `Reconciled ${result.checked} customer${result.checked === 1 ? "" : "s"} in ${mode} mode: ` +
      `${result.changed} changed, ${result.unchanged} unchanged, ${result.skipped} skipped, ${result.failed} failed` +
      (options.includeStripeCustomers ? ` (${result.adopted} adopted from Stripe).` : "."),
  );
  return result;
}

function logOutcome(c: CustomerReconciliation, log: (line: string) => void): void {
  if (c.status === "unchanged") return;
  if (c.status === "changed") {
    log(`${c.customerId} (user ${c.userId}): changed`);
    for (const change of c.changes) log(`  ${change}`);
    return;
  }
  log(`${c.customerId} (user ${c.userId}): ${c.status}: ${c.reason ?? ""}`);
}

/**
 * Records Stripe customers that carry one of our user ids but are missing from our database (a
 * restored backup, a crash between Stripe and our commit). The user keeps an existing customer;
 * one without gets this one. Returns the ids recorded now.
 */
async function adoptStripeCustomers(
  stripe: Stripe,
  live: boolean,
  log: (line: string) => void,
): Promise<Set<string>> {
  const adopted = new Set<string>();
  const candidates: Stripe.Customer[] = [];
  for await (const customer of stripe.customers.list({ limit: 100 })) {
    if (customer.metadata.userId && customer.livemode === live) candidates.push(customer);
  }
  if (candidates.length === 0) return adopted;

  const [users, recorded] = await Promise.all([
    db.user.findMany({
      where: { id: { in: [...new Set(candidates.map((c) => c.metadata.userId ?? ""))] } },
      select: { id: true },
    }),
    db.billingCustomer.findMany({
      where: { id: { in: candidates.map((c) => c.id) } },
      select: { id: true },
    }),
  ]);
  const userIds = new Set(users.map((u) => u.id));
  const recordedIds = new Set(recorded.map((r) => r.id));

  // Oldest first, so a user with several lost customers ends up pointing at the newest.
  for (const customer of candidates.reverse()) {
    const userId = customer.metadata.userId ?? "";
    if (recordedIds.has(customer.id) || !userIds.has(userId)) continue;
    await adoptStripeCustomer(customer, userId);
    adopted.add(customer.id);
    log(`${customer.id}: adopted for user ${userId} (metadata.userId)`);
  }
  return adopted;
}

// ---- What changed: our rows before and after the sync ----

type Row = Record<string, unknown> & { id: string };
type Snapshot = {
  customer: Row | null;
  subscriptions: Row[];
  invoices: Row[];
  pointedBy: string[];
};

const VOLATILE = { createdAt: true, updatedAt: true } as const;

async function snapshot(customerId: string): Promise<Snapshot> {
  const [customer, subscriptions, invoices, users] = await Promise.all([
    db.billingCustomer.findUnique({
      where: { id: customerId },
      omit: { ...VOLATILE, syncedAt: true },
    }),
    db.subscription.findMany({ where: { stripeCustomerId: customerId }, omit: VOLATILE }),
    db.invoice.findMany({ where: { stripeCustomerId: customerId }, omit: VOLATILE }),
    db.user.findMany({ where: { stripeCustomerId: customerId }, select: { id: true } }),
  ]);
  return { customer, subscriptions, invoices, pointedBy: users.map((u) => u.id) };
}

export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const changes: string[] = [];
  if (before.customer && after.customer) {
    const fields = fieldChanges(before.customer, after.customer);
    if (fields.length) changes.push(`customer: ${fields.join(", ")}`);
  }
  changes.push(
    ...rowChanges("subscription", before.subscriptions, after.subscriptions, ["status", "planKey"]),
  );
  changes.push(
    ...rowChanges("invoice", before.invoices, after.invoices, ["status", "total", "currency"]),
  );
  for (const userId of before.pointedBy.filter((u) => !after.pointedBy.includes(u))) {
    changes.push(`user ${userId} no longer points at this customer`);
  }
  return changes;
}

function rowChanges(kind: string, before: Row[], after: Row[], summary: string[]): string[] {
  const changes: string[] = [];
  for (const row of after) {
    const old = before.find((b) => b.id === row.id);
    if (!old) {
      const what = summary.map((k) => `${k} ${show(row[k])}`).join(", ");
      changes.push(`${kind} ${row.id} added (${what})`);
      continue;
    }
    const fields = fieldChanges(old, row);
    if (fields.length) changes.push(`${kind} ${row.id}: ${fields.join(", ")}`);
  }
  for (const row of before.filter((b) => !after.some((a) => a.id === b.id))) {
    changes.push(`${kind} ${row.id} removed`);
  }
  return changes;
}

function fieldChanges(before: Row, after: Row): string[] {
  return Object.keys(after)
    .filter((key) => show(before[key]) !== show(after[key]))
    .map((key) => `${key} ${show(before[key])} → ${show(after[key])}`);
}

function show(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value ?? null);
}
