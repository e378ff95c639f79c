// The doctor's database checks: migrations, the sync queue and refused webhook signatures.
import {
  WEBHOOK_REJECTION_REASONS,
  type WebhookRejectionReason,
} from "@/lib/billing/sync/webhook-rejections";
import type { DoctorCheck } from "@/lib/billing/config/doctor-report";

/** A day of counts from receive.ts, which writes at most one row per reason and minute. */
const REJECTION_WINDOW_MS = 24 * 3_600_000;

/**
 * Webhook deliveries refused for their signature in the last 24 hours. FAIL when signatures did
 * not match and no event was accepted since (the secret is most likely wrong); WARN for refusals
 * a correct secret also sees (no header: not from Stripe; stale timestamps: replays or a clock),
 * or mismatches while other deliveries do get through (a second endpoint sending here).
 */
export async function checkWebhookSignatures(): Promise<DoctorCheck> {
  const name = "Webhook signatures";
  const { db } = await import("@/lib/db");
  const since = new Date(Date.now() - REJECTION_WINDOW_MS);
  let groups: { reason: string; _sum: { count: number | null }; _max: { lastAt: Date | null } }[];
  let lastAccepted: { receivedAt: Date } | null;
  try {
    [groups, lastAccepted] = await Promise.all([
      db.webhookRejection.groupBy({
        by: ["reason"],
        where: { minute: { gte: since } },
        _sum: { count: true },
        _max: { lastAt: true },
      }),
      db.stripeEvent.findFirst({ orderBy: { receivedAt: "desc" }, select: { receivedAt: true } }),
    ]);
  } catch (error) {
    return { name, status: "fail", detail: `could not read the counts: ${firstLine(error)}` };
  }
  const counted = groups
    .map((g) => ({ reason: g.reason, count: g._sum.count ?? 0, lastAt: g._max.lastAt }))
    .filter((g) => g.count > 0)
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  if (counted.length === 0) {
    return { name, status: "pass", detail: "no deliveries refused in the last 24 h" };
  }
  const total = counted.reduce((n, g) => n + g.count, 0);
  const lastAt = new Date(Math.max(...counted.map((g) => g.lastAt?.getTime() ?? 0)));
  const reasons = counted
    .map(
      (g) =>
        `${g.count} ${WEBHOOK_REJECTION_REASONS[g.reason as WebhookRejectionReason] ?? g.reason}`,
    )
    .join(", ");
  const summary = `${total} rejected in the last 24 h (last at ${lastAt.toISOString()}): ${reasons}`;
  const mismatch = counted.find((g) => g.reason === "signature_mismatch");
  const acceptedSince =
    mismatch?.lastAt && lastAccepted && lastAccepted.receivedAt > mismatch.lastAt
      ? lastAccepted.receivedAt
      : null;
  if (mismatch && !acceptedSince) {
    return {
      name,
      status: "fail",
      detail:
        `${summary}: check STRIPE_WEBHOOK_SECRET\n` +
        "It must be the signing secret (whsec_…) of this endpoint in this mode: Dashboard → Developers → Webhooks.",
    };
  }
  const note = mismatch
    ? `an event was accepted since (${acceptedSince?.toISOString()}): another endpoint or mode may send here with its own secret`
    : "no signature mismatch: probes without a Stripe signature, replays or a clock that is off";
  return { name, status: "warn", detail: `${summary}\n${note}` };
}

/** The database answers, and every migration in prisma/migrations is applied. */
export async function checkDatabase(): Promise<DoctorCheck> {
  const name = "Database";
  const { db } = await import("@/lib/db");
  try {
    await db.$queryRaw`SELECT 1`;
  } catch (error) {
    return { name, status: "fail", detail: `not reachable: ${firstLine(error)}` };
  }
  let applied: string[];
  try {
    const rows = await db.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM _prisma_migrations
      WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    applied = rows.map((r) => r.migration_name);
  } catch {
    return { name, status: "fail", detail: "reachable, but not migrated: run npm run db:deploy" };
  }
  const local = await localMigrations();
  const pending = local.filter((m) => !applied.includes(m));
  if (pending.length) {
    return {
      name,
      status: "fail",
      detail: `${pending.length} migration(s) not applied (${pending.join(", ")}): run npm run db:deploy`,
    };
  }
  try {
    // The tables billing writes must be there, whatever the migration history says.
    await Promise.all([db.billingCustomer.findFirst(), db.stripeEvent.findFirst()]);
  } catch (error) {
    return { name, status: "fail", detail: `billing tables unusable: ${firstLine(error)}` };
  }
  const queue = await syncQueueHealth();
  const detail = `reachable, ${applied.length} migrations applied; ${queue.detail}`;
  return { name, status: queue.ok ? "pass" : "fail", detail };
}

/** An event waiting longer than this is past any debounce, backoff or running drain. */
const STALE_EVENT_MINUTES = 5;

/** The webhook pipeline's queue: customers whose syncs keep failing, events left unprocessed. */
async function syncQueueHealth(): Promise<{ ok: boolean; detail: string }> {
  const { db } = await import("@/lib/db");
  const [failing, waiting, stale] = await Promise.all([
    db.customerSync.findMany({
      where: { failures: { gt: 0 } },
      select: { customerId: true, failures: true, lastError: true },
      orderBy: { failures: "desc" },
      take: 1,
    }),
    db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM "CustomerSync" WHERE "requestSeq" > "doneSeq"`,
    db.stripeEvent.count({
      where: {
        processedAt: null,
        receivedAt: { lt: new Date(Date.now() - STALE_EVENT_MINUTES * 60_000) },
      },
    }),
  ]);
  const failingCount = failing.length
    ? await db.customerSync.count({ where: { failures: { gt: 0 } } })
    : 0;
  const problems: string[] = [];
  const worst = failing[0];
  if (worst) {
    problems.push(
      `${failingCount} customer(s) whose sync keeps failing (${worst.customerId}, ${worst.failures} tries: ` +
        `${(worst.lastError ?? "").split("\n")[0]?.slice(0, 200)})`,
    );
  }
  if (stale > 0)
    problems.push(`${stale} webhook event(s) unprocessed for over ${STALE_EVENT_MINUTES} minutes`);
  if (problems.length) {
    return {
      ok: false,
      detail: `sync queue: ${problems.join("; ")}: npm run stripe:reconcile retries now (docs/billing-sync.md)`,
    };
  }
  return {
    ok: true,
    detail: `sync queue: ${waiting[0]?.n ?? 0} customer(s) waiting, none failing`,
  };
}

async function localMigrations(): Promise<string[]> {
  const { readdir } = await import("node:fs/promises");
  const path = await import("node:path");
  try {
    const entries = await readdir(path.join(process.cwd(), "prisma", "migrations"), {
      withFileTypes: true,
    });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim().split("\n").at(-1) ?? message;
}
