import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startBillingHarness, type BillingHarness } from "@/lib/billing/testing/harness";

// The signed-in user each test plays (Auth.js needs a request; the rest is real).
const signedIn = vi.hoisted(() => ({
  user: null as { id: string; email: string; name: string | null } | null,
}));
vi.mock("@/lib/auth/require-user", () => ({ currentUser: async () => signedIn.user }));

const ADMIN = "founder@example.com";

let harness: BillingHarness;
let db: typeof import("@/lib/db").db;
let getStripe: typeof import("@/lib/stripe").getStripe;
let getOrCreateStripeCustomer: typeof import("@/lib/billing/customers").getOrCreateStripeCustomer;
let createTestUser: typeof import("@/lib/billing/testing/users").createTestUser;
let access: typeof import("@/lib/admin/access");
let adminConsole: typeof import("@/lib/admin/console");
let customerState: typeof import("@/lib/admin/customer-state");
let audit: typeof import("@/lib/admin/audit");
let resyncNowAction: typeof import("@/app/admin/billing/customers/[customerId]/actions").resyncNowAction;
let prices: Record<string, string>;

beforeAll(async () => {
  // Mixed case and spaces: lib/env.ts lower-cases and trims the list.
  process.env.ADMIN_EMAILS = ` Founder@Example.com , ops@example.com`;
  harness = await startBillingHarness({ retryDelaysMs: [] });
  ({ db } = await import("@/lib/db"));
  ({ getStripe } = await import("@/lib/stripe"));
  ({ getOrCreateStripeCustomer } = await import("@/lib/billing/customers"));
  ({ createTestUser } = await import("@/lib/billing/testing/users"));
  access = await import("@/lib/admin/access");
  adminConsole = await import("@/lib/admin/console");
  customerState = await import("@/lib/admin/customer-state");
  audit = await import("@/lib/admin/audit");
  ({ resyncNowAction } = await import("@/app/admin/billing/customers/[customerId]/actions"));
  const { runStripeSetup } = await import("@/lib/billing/config/setup");
  ({ prices } = await runStripeSetup());
});

afterEach(async () => {
  signedIn.user = null;
  await harness.ctl.clearFaults();
  await harness.settle();
});

afterAll(async () => {
  await harness?.stop();
});

const as = (email: string | null) => {
  signedIn.user = email ? { id: `user-${email}`, email, name: null } : null;
};

/** What Next's notFound() and redirect() throw (the digest is how Next recognises them). */
async function digestOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const digest = (error as { digest?: unknown }).digest;
    if (typeof digest === "string") return digest;
    throw error;
  }
  throw new Error("expected Next to interrupt the render");
}
const NOT_FOUND = "NEXT_HTTP_ERROR_FALLBACK;404";

/** A paying customer whose webhooks all arrived. */
async function payingCustomer(label: string) {
  const user = await createTestUser(label);
  const customerId = await getOrCreateStripeCustomer(user.id);
  const stripe = getStripe();
  const card = await stripe.paymentMethods.attach("pm_card_visa", { customer: customerId });
  await stripe.customers.update(customerId, {
    invoice_settings: { default_payment_method: card.id },
  });
  const subscription = await stripe.subscriptions.create({
    customer: customerId,
    items: [{ price: prices.pro_monthly ?? "" }],
  });
  await harness.settle();
  return { user, customerId, subscription };
}

describe("requireAdmin", () => {
  it("lets in the ADMIN_EMAILS addresses, whatever their case", async () => {
    as("FOUNDER@example.com");
    await expect(access.requireAdmin()).resolves.toEqual({ email: ADMIN });
    as("ops@example.com");
    await expect(access.requireAdmin()).resolves.toEqual({ email: "ops@example.com" });
  });

  it("is a 404 for anyone else, anonymous visitors included (no redirect to sign-in)", async () => {
    as("customer@example.com");
    expect(await digestOf(access.requireAdmin())).toBe(NOT_FOUND);
    as("founder@example.com.evil.test");
    expect(await digestOf(access.requireAdmin())).toBe(NOT_FOUND);
    as(null);
    expect(await digestOf(access.requireAdmin())).toBe(NOT_FOUND);
  });

  it("is nobody when ADMIN_EMAILS is unset", () => {
    expect(access.isAdminEmail(ADMIN, undefined)).toBe(false);
    expect(access.isAdminEmail(ADMIN, [])).toBe(false);
    expect(access.isAdminEmail(` ${ADMIN.toUpperCase()} `, [ADMIN])).toBe(true);
  });

  it("guards the pages and the Resync action: a non-admin's POST does nothing", async () => {
    const { customerId } = await payingCustomer("admin-forged");
    const { default: ConsolePage } = await import("@/app/admin/billing/page");
    const { default: CustomerPage } =
      await import("@/app/admin/billing/customers/[customerId]/page");
    const search = Promise.resolve({});
    const params = Promise.resolve({ customerId });
    const requests = await harness.ctl.requests();

    for (const who of [null, "customer@example.com"]) {
      as(who);
      expect(await digestOf(ConsolePage({ searchParams: search }))).toBe(NOT_FOUND);
      expect(await digestOf(CustomerPage({ params, searchParams: search }))).toBe(NOT_FOUND);
      const form = new FormData();
      form.set("customerId", customerId);
      expect(await digestOf(resyncNowAction(form))).toBe(NOT_FOUND);
    }
    expect(await db.adminAuditLog.count({ where: { target: customerId } })).toBe(0);
    // Nothing was asked of Stripe or the queue.
    expect((await harness.ctl.requests()).total).toBe(requests.total);
    const sync = await db.customerSync.findUniqueOrThrow({ where: { customerId } });
    expect(sync.requestSeq).toBe(sync.doneSeq);
  });
});

describe("console data", () => {
  it("lists the newest events, filtered by ?filter=failed or pending", async () => {
    const at = new Date(Date.now() + 3_600_000);
    const event = (id: string, data: Record<string, unknown>) =>
      db.stripeEvent.create({
        data: {
          id,
          type: "invoice.paid",
          livemode: false,
          stripeCustomerId: null,
          stripeCreatedAt: at,
          receivedAt: at,
          ...data,
        },
      });
    await event("evt_admin_ok", { processedAt: at, outcome: "synced", attempts: 1 });
    await event("evt_admin_erroring", { lastError: "Stripe timed out", attempts: 2 });
    await event("evt_admin_failed", { processedAt: at, outcome: "failed: gave up", attempts: 5 });
    await event("evt_admin_pending", {});

    const ids = async (filter: string | string[] | undefined) =>
      (await adminConsole.recentEvents(adminConsole.parseEventFilter(filter)))
        .map((e) => e.id)
        .filter((id) => id.startsWith("evt_admin_"))
        .sort();
    expect(await ids("failed")).toEqual(["evt_admin_erroring", "evt_admin_failed"]);
    expect(await ids("pending")).toEqual(["evt_admin_erroring", "evt_admin_pending"]);
    const all = ["evt_admin_erroring", "evt_admin_failed", "evt_admin_ok", "evt_admin_pending"];
    expect(await ids(undefined)).toEqual(all);
    expect(await ids("everything")).toEqual(all);
    expect(await ids(["failed", "pending"])).toEqual(all);

    const [newest] = await adminConsole.recentEvents("failed");
    expect(newest).toMatchObject({ failed: true, receivedAt: at });
    expect((await adminConsole.recentEvents("all")).length).toBeLessThanOrEqual(50);
    await db.stripeEvent.deleteMany({ where: { id: { startsWith: "evt_admin_" } } });
  });

  it("shows failing syncs and billing emails that failed", async () => {
    const { customerId } = await payingCustomer("admin-queue");
    await db.customerSync.update({
      where: { customerId },
      data: { failures: 3, lastError: "Stripe answered 500", requestSeq: { increment: 2 } },
    });
    await db.billingEmail.createMany({
      data: [
        {
          eventId: "evt_mail_1",
          kind: "payment_failed",
          livemode: false,
          stripeCustomerId: customerId,
          status: "failed",
          attempts: 5,
          lastError: "SMTP 550",
        },
        {
          eventId: "evt_mail_2",
          kind: "trial_will_end",
          livemode: false,
          stripeCustomerId: customerId,
          status: "pending",
          attempts: 1,
          lastError: "SMTP timeout",
          runAfter: new Date(Date.now() + 86_400_000),
        },
        {
          eventId: "evt_mail_3",
          kind: "payment_recovered",
          livemode: false,
          stripeCustomerId: customerId,
          status: "sent",
          attempts: 1,
        },
        {
          eventId: "evt_mail_4",
          kind: "subscription_ended",
          livemode: false,
          stripeCustomerId: customerId,
          status: "pending",
          attempts: 0,
          runAfter: new Date(Date.now() + 86_400_000),
        },
      ],
    });
    const queue = await adminConsole.syncQueue();
    expect(queue.find((q) => q.customerId === customerId)).toMatchObject({
      waiting: 2,
      failures: 3,
      lastError: "Stripe answered 500",
    });
    const emails = (await adminConsole.emailFailures()).filter(
      (e) => e.stripeCustomerId === customerId,
    );
    expect(emails.map((e) => [e.kind, e.status, e.lastError]).sort()).toEqual([
      ["payment_failed", "failed", "SMTP 550"],
      ["trial_will_end", "pending", "SMTP timeout"],
    ]);
    await db.billingEmail.deleteMany({ where: { stripeCustomerId: customerId } });
    await db.customerSync.update({
      where: { customerId },
      data: { failures: 0, lastError: null, doneSeq: { increment: 2 } },
    });
  });

  it("buckets the last 24 hours: events, errors, median sync latency", async () => {
    // A day of its own, far from the harness's events.
    const now = new Date("2031-03-04T12:30:00Z");
    const hour = (h: number, m = 5) => new Date(Date.UTC(2031, 2, 4, h, m));
    const rows = [
      { id: "evt_series_1", at: hour(10), latency: 2, outcome: "synced" },
      { id: "evt_series_2", at: hour(10, 20), latency: 4, outcome: "synced" },
      { id: "evt_series_3", at: hour(10, 40), latency: 9, outcome: "synced" },
      { id: "evt_series_4", at: hour(10, 50), latency: 0, outcome: "ignored" },
      { id: "evt_series_5", at: hour(12), latency: null, outcome: null, error: "boom" },
      // 24 hours before 12:xx is outside the window (its first hour is 13:00 the day before).
      {
        id: "evt_series_6",
        at: new Date(Date.UTC(2031, 2, 3, 12, 59)),
        latency: 1,
        outcome: "synced",
      },
    ];
    await db.stripeEvent.createMany({
      data: rows.map((r) => ({
        id: r.id,
        type: "customer.updated",
        livemode: false,
        stripeCreatedAt: r.at,
        receivedAt: r.at,
        processedAt: r.latency === null ? null : new Date(r.at.getTime() + r.latency * 1_000),
        outcome: r.outcome,
        lastError: r.error ?? null,
      })),
    });
    const series = await adminConsole.hourlySeries(now);
    for (const points of Object.values(series)) {
      expect(points).toHaveLength(24);
      expect(points[0]?.hour).toEqual(new Date("2031-03-03T13:00:00Z"));
      expect(points.at(-1)?.hour).toEqual(new Date("2031-03-04T12:00:00Z"));
    }
    const at = (points: { hour: Date; value: number }[], h: number) =>
      points.find((p) => p.hour.getTime() === Date.UTC(2031, 2, 4, h))?.value;
    expect(at(series.received, 10)).toBe(4);
    expect(at(series.received, 12)).toBe(1);
    expect(at(series.received, 11)).toBe(0);
    expect(series.received.reduce((n, p) => n + p.value, 0)).toBe(5);
    expect(at(series.errors, 12)).toBe(1);
    expect(series.errors.reduce((n, p) => n + p.value, 0)).toBe(1);
    // The median of 2, 4 and 9 s (the ignored event needed no sync).
    expect(at(series.latencySeconds, 10)).toBe(4);
    expect(at(series.latencySeconds, 12)).toBe(0);
    await db.stripeEvent.deleteMany({ where: { id: { startsWith: "evt_series_" } } });
  });

  it("shows the last reconcile run and its changes", async () => {
    await db.reconcileRun.create({
      data: {
        livemode: false,
        source: "cron",
        startedAt: new Date("2031-01-01T00:00:00Z"),
        finishedAt: new Date("2031-01-01T00:00:05Z"),
        changed: 1,
        unchanged: 4,
        skipped: 0,
        failed: 0,
        redriven: 2,
        drained: 1,
        changes: 'cus_1 (user u1): changed\n  subscription sub_1: status "past_due" → "active"',
      },
    });
    expect(await adminConsole.lastReconcileRun()).toMatchObject({
      source: "cron",
      changed: 1,
      lines: ["cus_1 (user u1): changed", '  subscription sub_1: status "past_due" → "active"'],
    });
  });
});

describe("a customer changed behind the app's back", () => {
  it("shows the difference next to Stripe, and Resync now fixes it (with an audit row)", async () => {
    const { customerId, subscription } = await payingCustomer("admin-drift");
    const clean = await customerState.loadCustomerComparison(customerId);
    expect(clean).toMatchObject({ kind: "found", stripe: { ok: true }, differences: 0 });

    // Webhooks stop arriving; the subscription is changed in Stripe directly.
    await harness.ctl.setFaults({ dropFirstAttempts: 1_000 });
    await getStripe().subscriptions.update(subscription.id, {
      cancel_at_period_end: true,
      items: [{ id: subscription.items.data[0]?.id ?? "", quantity: 3 }],
    });
    await harness.settle();

    const drifted = await customerState.loadCustomerComparison(customerId);
    if (drifted.kind !== "found") throw new Error(drifted.kind);
    const fields = drifted.subscriptions.find((s) => s.id === subscription.id)?.fields ?? [];
    const differing = fields.filter((f) => f.differs);
    expect(differing).toEqual(
      expect.arrayContaining([
        { field: "Cancel at period end", ours: "no", stripe: "yes", differs: true },
        { field: "Quantity", ours: "1", stripe: "3", differs: true },
      ]),
    );
    expect(drifted.differences).toBe(differing.length);
    expect(fields.find((f) => f.field === "Status")).toMatchObject({ differs: false });

    as("Founder@example.com");
    const form = new FormData();
    form.set("customerId", customerId);
    expect(await digestOf(resyncNowAction(form))).toMatch(
      new RegExp(
        `^NEXT_REDIRECT;(replace|push);/admin/billing/customers/${customerId}\\?resync=synced;`,
      ),
    );

    const fixed = await customerState.loadCustomerComparison(customerId);
    expect(fixed).toMatchObject({ kind: "found", differences: 0 });
    const [row] = await audit.recentAdminActions(1);
    expect(row).toMatchObject({
      actorEmail: ADMIN,
      action: "billing.resync",
      target: customerId,
      detail: "sync requested",
    });
  });

  it("an unknown or malformed customer is a clear answer, not a crash", async () => {
    expect(await customerState.loadCustomerComparison("cus_doesnotexist")).toEqual({
      kind: "unknown",
      customerId: "cus_doesnotexist",
    });
    expect(await customerState.loadCustomerComparison("'; drop table")).toMatchObject({
      kind: "invalid",
    });

    as(ADMIN);
    const unknown = new FormData();
    unknown.set("customerId", "cus_doesnotexist");
    expect(await digestOf(resyncNowAction(unknown))).toMatch(
      /^NEXT_REDIRECT;(replace|push);\/admin\/billing\/customers\/cus_doesnotexist\?resync=unknown;/,
    );
    const malformed = new FormData();
    malformed.set("customerId", "sub_123");
    expect(await digestOf(resyncNowAction(malformed))).toMatch(
      /^NEXT_REDIRECT;(replace|push);\/admin\/billing\?resync=invalid;/,
    );
    const rows = await audit.recentAdminActions(2);
    expect(rows.map((r) => [r.target, r.detail])).toEqual([
      ["sub_123", "refused: not a customer id"],
      ["cus_doesnotexist", "refused: unknown customer"],
    ]);
  });

  it("says so when Stripe cannot be read, and still shows our rows", async () => {
    const { customerId } = await payingCustomer("admin-outage");
    await harness.ctl.setApiFaults({ rateLimitNext: 1_000 });
    const state = await customerState.loadCustomerComparison(customerId);
    await harness.ctl.clearApiFaults();
    if (state.kind !== "found") throw new Error(state.kind);
    expect(state.stripe.ok).toBe(false);
    expect(state.differences).toBe(0);
    expect(state.subscriptions[0]?.fields.find((f) => f.field === "Status")).toMatchObject({
      ours: "active",
      stripe: "(not read)",
    });
  });
});
