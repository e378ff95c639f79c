import { listPricesByLookupKeys, listWebhookEndpoints } from "@/lib/billing/stripe/lists";
import Stripe from "stripe";
import { catalogPrices, type CatalogEntry, type PaidPlanKey } from "@/lib/billing/catalog/plans";
import {
  lookUpPortalConfigurationId,
  PORTAL_CONFIGURATION,
  PortalNotConfiguredError,
  type PortalConfigurationSpec,
} from "@/lib/billing/config/portal";
import {
  portalConfigurationDrift,
  type Drift,
  type DriftArea,
} from "@/lib/billing/config/portal-params";
import { endpointAt, planSwitchProducts } from "@/lib/billing/config/setup";
import { formatMoneyPlain } from "@/lib/format";
import { idOf } from "@/lib/billing/stripe/ids";
import { stripeApiBase } from "@/lib/billing/stripe/availability";
import { HANDLED_EVENT_TYPES } from "@/lib/billing/sync/receive";
import {
  WEBHOOK_REJECTION_REASONS,
  type WebhookRejectionReason,
} from "@/lib/billing/sync/webhook-rejections";
import { env } from "@/lib/env";
import { getStripe, stripeMode, usesStripeEmulator, type StripeMode } from "@/lib/stripe";

/**
 * `npm run billing:doctor`: read-only checks that billing will work in the key's mode — the key
 * (Stripe must accept it), the webhook secret, the portal configuration against the spec, the
 * catalog prices, the webhook endpoint, the database and the webhook signatures refused lately.
 * Each check passes, warns (worth a look, not a failure), fails (with what to do) or is skipped
 * because an earlier one failed.
 */

export type CheckStatus = "pass" | "warn" | "fail" | "skip";
export type DoctorCheck = { name: string; status: CheckStatus; detail: string };
export type DoctorReport = { mode: StripeMode | null; ok: boolean; checks: DoctorCheck[] };

export type DoctorOptions = {
  /** null: no key configured. Defaults to the app's client when STRIPE_SECRET_KEY is set. */
  stripe?: Stripe | null;
  mode?: StripeMode;
  /** Shown for the key (never the key itself). */
  keyLabel?: string;
  webhookSecretSet?: boolean;
  appUrl?: string;
  /** STRIPE_PORTAL_CONFIGURATION_ID, when set. */
  portalConfigurationId?: string;
  spec?: PortalConfigurationSpec;
  catalog?: readonly CatalogEntry[];
  /** Defaults to checking the app's database (`@/lib/db`). */
  checkDatabase?: () => Promise<DoctorCheck>;
  /** Defaults to reading the app's counts of refused webhook signatures (`@/lib/db`). */
  checkWebhookSignatures?: () => Promise<DoctorCheck>;
};

export async function runBillingDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const stripe =
    options.stripe !== undefined ? options.stripe : env.STRIPE_SECRET_KEY ? getStripe() : null;
  const mode = options.mode ?? stripeMode();
  const appUrl = options.appUrl ?? env.APP_URL;
  const spec = options.spec ?? PORTAL_CONFIGURATION;
  const catalog = options.catalog ?? catalogPrices();
  const checks: DoctorCheck[] = [];
  const pass = (name: string, detail: string) => checks.push({ name, status: "pass", detail });
  const fail = (name: string, detail: string) => checks.push({ name, status: "fail", detail });
  const skip = (name: string, detail: string) => checks.push({ name, status: "skip", detail });

  // A key passes only when Stripe accepts it; otherwise nothing else can be asked of Stripe.
  const key = stripe
    ? await checkStripeKey(stripe, options.keyLabel ?? defaultKeyLabel(mode))
    : null;
  if (!key) fail("Stripe key", "STRIPE_SECRET_KEY is not set");
  else checks.push(key.check);

  if (options.webhookSecretSet ?? Boolean(env.STRIPE_WEBHOOK_SECRET)) {
    pass("Webhook secret", "STRIPE_WEBHOOK_SECRET is set");
  } else {
    fail("Webhook secret", "STRIPE_WEBHOOK_SECRET is not set: webhooks would be refused");
  }

  const stripeChecks = [
    "Portal configuration",
    "Portal features",
    "Plan switching",
    "Catalog prices",
    "Return URL",
    "Business profile",
    "Webhook endpoint",
  ];
  if (!stripe || !key) {
    for (const name of stripeChecks) skip(name, "no Stripe key");
  } else if (key.skipReason) {
    for (const name of stripeChecks) skip(name, key.skipReason);
  } else {
    try {
      await stripeDoctor(stripe, mode, appUrl, spec, catalog, options.portalConfigurationId, {
        pass,
        fail,
        skip,
      });
    } catch (error) {
      // Stripe unreachable, key rejected...: the remaining Stripe checks cannot run.
      const done = new Set(checks.map((c) => c.name));
      const message = error instanceof Error ? error.message : String(error);
      const [first, ...rest] = stripeChecks.filter((n) => !done.has(n));
      if (first) fail(first, `Stripe request failed: ${message}`);
      for (const name of rest) skip(name, "Stripe request failed");
    }
  }

  const database = await (options.checkDatabase ?? checkDatabase)();
  checks.push(database);
  if (database.status === "fail") skip("Webhook signatures", "the database check failed");
  else checks.push(await (options.checkWebhookSignatures ?? checkWebhookSignatures)());
  return { mode: stripe ? mode : null, ok: checks.every((c) => c.status !== "fail"), checks };
}

/**
 * The key check: one cheap read that every billing key needs (prices), so a key Stripe refuses
 * fails here with Stripe's own message, never "PASS" followed by failures further down.
 * `skipReason` is set when the other Stripe checks cannot run.
 */
async function checkStripeKey(
  stripe: Stripe,
  label: string,
): Promise<{ check: DoctorCheck; skipReason?: string }> {
  const name = "Stripe key";
  try {
    await stripe.prices.list({ limit: 1 });
    return { check: { name, status: "pass", detail: `${label}, accepted by Stripe` } };
  } catch (error) {
    const type = (error as { type?: unknown } | null)?.type;
    const message = error instanceof Error ? error.message : String(error);
    const failed = (detail: string, skipReason: string) => ({
      check: { name, status: "fail" as const, detail },
      skipReason,
    });
    if (type === "StripeAuthenticationError") {
      return failed(
        `${label}: Stripe refused the key: ${message}\n` +
          "Copy the secret key (sk_test_… or sk_live_…) from the Dashboard's API keys page into STRIPE_SECRET_KEY.",
        "Stripe refused the key",
      );
    }
    if (type === "StripePermissionError") {
      return failed(
        `${label}: the key may not read prices: ${message}\n` +
          "Give the restricted key access to the billing resources (prices, products, customers, " +
          "subscriptions, invoices, Customer Portal, webhook endpoints), or use the secret key.",
        "the key lacks permissions",
      );
    }
    if (type === "StripeConnectionError") {
      return failed(
        `could not reach Stripe at ${stripeApiBase(stripe)}: ${message}`,
        "Stripe could not be reached",
      );
    }
    return failed(`${label}: Stripe request failed: ${message}`, "the key check failed");
  }
}

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

type Report = Record<"pass" | "fail" | "skip", (name: string, detail: string) => void>;

async function stripeDoctor(
  stripe: Stripe,
  mode: StripeMode,
  appUrl: string,
  spec: PortalConfigurationSpec,
  catalog: readonly CatalogEntry[],
  overrideId: string | undefined,
  { pass, fail, skip }: Report,
): Promise<void> {
  const live = mode === "live";

  // Catalog prices first: plan switching is compared against them.
  const keyed = await listPricesByLookupKeys(
    stripe,
    catalog.map((e) => e.price.lookupKey),
    { expand: ["data.product"] },
  );
  const priceProblems: string[] = [];
  for (const { plan, price: want } of catalog) {
    const price = keyed.find((p) => p.lookup_key === want.lookupKey);
    if (!price) {
      priceProblems.push(`${want.lookupKey}: no price with this lookup key in ${mode} mode`);
      continue;
    }
    const label = `${want.lookupKey} (${price.id})`;
    if (!price.active) priceProblems.push(`${label} is inactive`);
    if (price.currency !== want.currency) {
      priceProblems.push(`${label} is in ${price.currency}, expected ${want.currency}`);
    }
    const interval = price.recurring
      ? `${price.recurring.interval_count === 1 ? "" : `${price.recurring.interval_count} `}${price.recurring.interval}`
      : "one-time";
    if (interval !== want.interval) {
      priceProblems.push(`${label} bills per ${interval}, expected per ${want.interval}`);
    }
    if (price.unit_amount !== want.unitAmount) {
      priceProblems.push(
        `${label} is ${formatMoneyPlain(price.unit_amount ?? 0, price.currency)}, catalog says ${formatMoneyPlain(want.unitAmount, want.currency)}`,
      );
    }
    const product = typeof price.product === "string" ? null : price.product;
    if (product && (product.deleted || !product.active)) {
      priceProblems.push(`${label}: its product ${product.id} (${plan.name}) is archived`);
    }
  }

  let configuration: Stripe.BillingPortal.Configuration | null = null;
  try {
    const id = await lookUpPortalConfigurationId(stripe, mode, overrideId);
    configuration = await stripe.billingPortal.configurations.retrieve(id);
    pass(
      "Portal configuration",
      `${configuration.id}, active, ${mode} mode` +
        (overrideId ? " (STRIPE_PORTAL_CONFIGURATION_ID)" : " (found by its metadata tag)"),
    );
  } catch (error) {
    if (!(error instanceof PortalNotConfiguredError)) throw error;
    fail("Portal configuration", error.message);
  }

  if (!configuration) {
    for (const name of ["Portal features", "Plan switching"]) skip(name, "no portal configuration");
  } else {
    const planSwitch = planSwitchProducts(
      spec,
      catalog,
      (plan: PaidPlanKey) => productOfPlan(plan, catalog, keyed) ?? `(no ${plan} product)`,
      (key) => keyed.find((p) => p.lookup_key === key)?.id ?? `(no ${key} price)`,
    );
    const drift = portalConfigurationDrift(configuration, spec, planSwitch);
    const of = (area: DriftArea): Drift[] => drift.filter((d) => d.area === area);
    const features = of("features");
    if (features.length) fail("Portal features", lines(features));
    else pass("Portal features", describeFeatures(spec));
    const planSwitching = of("plan_switch");
    if (!spec.features.subscriptionUpdate.enabled) pass("Plan switching", "not offered");
    else if (planSwitching.length) fail("Plan switching", lines(planSwitching));
    else {
      const count = planSwitch.reduce((n, p) => n + p.prices.length, 0);
      pass(
        "Plan switching",
        `${planSwitch.map((p) => p.plan).join(", ")}: ${count} prices, equal to the catalog`,
      );
    }
  }

  if (priceProblems.length) fail("Catalog prices", priceProblems.join("\n"));
  else
    pass(
      "Catalog prices",
      `${catalog.length} prices: ${catalog.map((e) => e.price.lookupKey).join(", ")}`,
    );

  if (!configuration) {
    for (const name of ["Return URL", "Business profile"]) skip(name, "no portal configuration");
  } else {
    const returnUrl = configuration.default_return_url;
    const returnProblems = urlProblems(
      "default_return_url",
      returnUrl,
      spec.defaultReturnUrl,
      live,
    );
    if (returnProblems.length) fail("Return URL", returnProblems.join("\n"));
    else pass("Return URL", returnUrl ?? "");

    const bp = configuration.business_profile;
    const profileProblems = [
      ...urlProblems(
        "privacy_policy_url",
        bp.privacy_policy_url,
        spec.businessProfile.privacyPolicyUrl,
        live,
      ),
      ...urlProblems(
        "terms_of_service_url",
        bp.terms_of_service_url,
        spec.businessProfile.termsOfServiceUrl,
        live,
      ),
    ];
    if (bp.headline !== spec.businessProfile.headline) {
      profileProblems.push(
        `headline is ${JSON.stringify(bp.headline)}, expected ${JSON.stringify(spec.businessProfile.headline)}`,
      );
    }
    if (profileProblems.length) fail("Business profile", profileProblems.join("\n"));
    else
      pass(
        "Business profile",
        `privacy ${bp.privacy_policy_url}, terms ${bp.terms_of_service_url}`,
      );
  }

  const webhookUrl = `${appUrl}/api/webhooks/stripe`;
  const endpoints = await listWebhookEndpoints(stripe);
  const endpoint = endpointAt(endpoints, webhookUrl);
  if (!endpoint) {
    fail(
      "Webhook endpoint",
      `no endpoint for ${webhookUrl} in ${mode} mode: run npm run stripe:setup -- ${live ? "--live " : ""}--webhook-url ${webhookUrl}`,
    );
  } else {
    const problems: string[] = [];
    if (endpoint.status !== "enabled") problems.push(`${endpoint.id} is ${endpoint.status}`);
    const all = endpoint.enabled_events.includes("*");
    const missing = all
      ? []
      : HANDLED_EVENT_TYPES.filter((t) => !endpoint.enabled_events.includes(t));
    if (missing.length) problems.push(`${endpoint.id} does not subscribe to ${missing.join(", ")}`);
    // Events are rendered at the endpoint's version (else the account default), not the SDK's.
    if (endpoint.api_version !== Stripe.API_VERSION) {
      problems.push(
        `${endpoint.id} has api_version ${endpoint.api_version ?? "account default"}, not the SDK's ${Stripe.API_VERSION}: ` +
          `run npm run stripe:setup -- ${live ? "--live " : ""}--webhook-url ${webhookUrl} (it recreates the endpoint; set the new signing secret as STRIPE_WEBHOOK_SECRET)`,
      );
    }
    if (live && !webhookUrl.startsWith("https://")) problems.push(`${webhookUrl} is not https`);
    if (problems.length) fail("Webhook endpoint", problems.join("\n"));
    else
      pass(
        "Webhook endpoint",
        `${endpoint.id} → ${webhookUrl}, ${all ? "all" : HANDLED_EVENT_TYPES.length} event types at ${Stripe.API_VERSION}`,
      );
  }
}

/** The product the catalog's prices of `plan` belong to in this mode. */
function productOfPlan(
  plan: PaidPlanKey,
  catalog: readonly CatalogEntry[],
  keyed: readonly Stripe.Price[],
): string | null {
  for (const entry of catalog.filter((e) => e.plan.key === plan)) {
    const price = keyed.find((p) => p.lookup_key === entry.price.lookupKey);
    if (price) return idOf(price.product);
  }
  return null;
}

function urlProblems(
  name: string,
  actual: string | null,
  expected: string,
  live: boolean,
): string[] {
  if (!actual) return [`${name} is not set${live ? " (required in live mode)" : ""}`];
  const problems: string[] = [];
  if (actual !== expected) problems.push(`${name} is ${actual}, expected ${expected}`);
  if (live && !actual.startsWith("https://"))
    problems.push(`${name} ${actual} is not https (live mode)`);
  return problems;
}

function describeFeatures(spec: PortalConfigurationSpec): string {
  const f = spec.features;
  const on: string[] = [];
  if (f.invoiceHistory.enabled) on.push("invoice_history");
  if (f.paymentMethodUpdate.enabled) on.push("payment_method_update");
  if (f.customerUpdate.enabled)
    on.push(`customer_update (${f.customerUpdate.allowedUpdates.join(", ")})`);
  if (f.subscriptionCancel.enabled) on.push(`subscription_cancel (${f.subscriptionCancel.mode})`);
  if (f.subscriptionPause.enabled) on.push("subscription_pause");
  if (f.subscriptionUpdate.enabled) on.push("subscription_update");
  return `exactly ${on.join(", ")}`;
}

function lines(drift: readonly Drift[]): string {
  return drift.map((d) => d.message).join("\n");
}

function defaultKeyLabel(mode: StripeMode): string {
  const prefix = env.STRIPE_SECRET_KEY?.slice(0, 8) ?? "";
  const where = usesStripeEmulator()
    ? `local emulator at ${env.STRIPE_API_BASE}`
    : "api.stripe.com";
  return `${prefix}… (${mode} mode, ${where})`;
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

export function formatDoctorReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const out: string[] = [];
  for (const check of report.checks) {
    const [first = "", ...rest] = check.detail.split("\n");
    const label = check.status.toUpperCase();
    out.push(`  ${label}  ${check.name.padEnd(width)}  ${first}`);
    for (const line of rest) out.push(`  ${" ".repeat(4)}  ${" ".repeat(width)}  ${line}`);
  }
  const count = (s: CheckStatus) => report.checks.filter((c) => c.status === s).length;
  const skipped = count("skip");
  const warned = count("warn");
  out.push("");
  out.push(
    `${count("pass")} passed, ${count("fail")} failed` +
      `${warned ? `, ${warned} warning${warned === 1 ? "" : "s"}` : ""}` +
      `${skipped ? `, ${skipped} skipped` : ""}.`,
  );
  return out.join("\n");
}
