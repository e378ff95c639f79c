/**
 * `npm run stripe:reconcile [-- --include-stripe-customers] [--customer cus_…]`: re-syncs customers
 * through the webhooks' queue and drain and prints what changed (lib/billing/sync/reconcile.ts).
 */
import { parseArgs } from "node:util";
import { loadScriptEnv, requireServices } from "./lib/script-env";
import { z } from "zod";

loadScriptEnv();

const USAGE = `Usage: npm run stripe:reconcile -- [--include-stripe-customers] [--customer cus_… …] [--budget-seconds N] [--prune]

  --include-stripe-customers  also record Stripe customers whose metadata.userId is one of our
                              users but which our database lost track of
  --customer cus_…            only this customer (repeatable)
  --budget-seconds N          stop after about N seconds; the next run resumes from the least
                              recently synced customers, which is where this one stopped
  --prune                     also delete processed webhook events past BILLING_EVENT_RETENTION_DAYS`;

const args = (() => {
  try {
    const { values } = parseArgs({
      options: {
        "include-stripe-customers": { type: "boolean" },
        customer: { type: "string", multiple: true },
        "budget-seconds": { type: "string" },
        prune: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
    return z
      .object({
        "include-stripe-customers": z.boolean().default(false),
        customer: z
          .array(z.string().regex(/^cus_\w+$/, "--customer expects a customer id (cus_…)"))
          .optional(),
        "budget-seconds": z.coerce
          .number()
          .int("--budget-seconds expects a whole number of seconds")
          .positive("--budget-seconds expects a whole number of seconds")
          .optional(),
        prune: z.boolean().default(false),
        help: z.boolean().default(false),
      })
      .parse(values);
  } catch (error) {
    const message =
      error instanceof z.ZodError
        ? error.issues.map((i) => i.message).join("; ")
        : error instanceof Error
          ? error.message
          : String(error);
    console.error(message);
    console.error(USAGE);
    process.exit(2);
  }
})();
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

requireServices("npm run stripe:reconcile", ["database", "stripe"]);
const { reconcileBilling } = await import("@/lib/billing/sync/reconcile");
const { env } = await import("@/lib/env");
const { db } = await import("@/lib/db");

if (!env.STRIPE_SECRET_KEY) {
  console.error("STRIPE_SECRET_KEY is not set: nothing to reconcile against.");
  process.exit(1);
}
try {
  const result = await reconcileBilling({
    includeStripeCustomers: args["include-stripe-customers"],
    customerIds: args.customer,
    budgetMs: args["budget-seconds"] ? args["budget-seconds"] * 1_000 : undefined,
    prune: args.prune,
    source: "cli",
    log: (line) => console.log(line),
  });
  await db.$disconnect().catch(() => undefined);
  process.exit(result.failed > 0 ? 1 : 0);
} catch (error) {
  const { LeaseBusyError } = await import("@/lib/lease");
  const { StripeUnavailableError } = await import("@/lib/billing/stripe/availability");
  await db.$disconnect().catch(() => undefined);
  // One line, no stack: "stripe:reconcile: could not reach Stripe at <base>: <message>".
  console.error(
    error instanceof LeaseBusyError
      ? "stripe:reconcile: another reconciliation (this command or the cron) is running; try again when it has finished."
      : error instanceof StripeUnavailableError
        ? `stripe:reconcile: ${error.message}`
        : `stripe:reconcile failed: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`,
  );
  process.exit(1);
}
