/**
 * `npm run stripe:reconcile [-- --include-stripe-customers] [--customer cus_…]`: re-syncs customers
 * from Stripe with the webhooks' sync function and prints what changed (lib/billing/reconcile-billing.ts).
 */
import path from "node:path";
import { parseArgs } from "node:util";
import nextEnv from "@next/env";
import { z } from "zod";

const root = path.resolve(import.meta.dirname, "..");
nextEnv.loadEnvConfig(root, process.env.NODE_ENV !== "production");

const USAGE = `Usage: npm run stripe:reconcile -- [--include-stripe-customers] [--customer cus_… …]

  --include-stripe-customers  also record Stripe customers whose metadata.userId is one of our
                              users but which our database lost track of
  --customer cus_…            only this customer (repeatable)`;

const args = (() => {
  try {
    const { values } = parseArgs({
      options: {
        "include-stripe-customers": { type: "boolean" },
        customer: { type: "string", multiple: true },
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

const { reconcileBilling } = await import("@/lib/billing/reconcile-billing");
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
    log: (line) => console.log(line),
  });
  await db.$disconnect().catch(() => undefined);
  process.exit(result.failed > 0 ? 1 : 0);
} catch (error) {
  console.error(
    `stripe:reconcile failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}
