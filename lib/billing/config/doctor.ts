import type Stripe from "stripe";
import { catalogPrices, type CatalogEntry } from "@/lib/billing/catalog/plans";
import { PORTAL_CONFIGURATION, type PortalConfigurationSpec } from "@/lib/billing/config/portal";
import { checkDatabase, checkWebhookSignatures } from "@/lib/billing/config/doctor-database";
import type { DoctorCheck, DoctorReport } from "@/lib/billing/config/doctor-report";
import { checkStripeKey, stripeDoctor } from "@/lib/billing/config/doctor-stripe";
import { env } from "@/lib/env";
import { getStripe, stripeMode, usesStripeEmulator, type StripeMode } from "@/lib/stripe";

export { checkDatabase, checkWebhookSignatures } from "@/lib/billing/config/doctor-database";
export {
  formatDoctorReport,
  type CheckStatus,
  type DoctorCheck,
  type DoctorReport,
} from "@/lib/billing/config/doctor-report";

/**
 * `npm run billing:doctor`: read-only checks that billing will work in the key's mode — the key
 * (Stripe must accept it), the webhook secret, the portal configuration against the spec, the
 * catalog prices, the webhook endpoint, the database and the webhook signatures refused lately.
 * Each check passes, warns (worth a look, not a failure), fails (with what to do) or is skipped
 * because an earlier one failed.
 */

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

function defaultKeyLabel(mode: StripeMode): string {
  const prefix = env.STRIPE_SECRET_KEY?.slice(0, 8) ?? "";
  const where = usesStripeEmulator()
    ? `local emulator at ${env.STRIPE_API_BASE}`
    : "api.stripe.com";
  return `${prefix}… (${mode} mode, ${where})`;
}
