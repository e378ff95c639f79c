import { db } from "@/lib/db";

/**
 * What a reconciliation changed for one customer: our rows before and after its sync, compared
 * field by field (timestamps aside), so the report says "subscription sub_1 status: past_due ->
 * active" instead of "changed".
 */
type Row = Record<string, unknown> & { id: string };
export type Snapshot = {
  customer: Row | null;
  subscriptions: Row[];
  invoices: Row[];
  pointedBy: string[];
};

const VOLATILE = { createdAt: true, updatedAt: true } as const;
export const emptySnapshot: Snapshot = {
  customer: null,
  subscriptions: [],
  invoices: [],
  pointedBy: [],
};

export async function snapshot(customerId: string): Promise<Snapshot> {
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
