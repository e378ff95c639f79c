/**
 * `npm run stripe:setup [-- --live] [--yes] [--dry-run] [--webhook-url URL]`: makes the key's Stripe
 * mode match the catalog and the portal configuration (lib/billing/config/setup.ts).
 */
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { loadScriptEnv, requireServices } from "./lib/script-env";
import { z } from "zod";

loadScriptEnv();

const USAGE = `Usage: npm run stripe:setup -- [--live] [--yes] [--dry-run] [--webhook-url URL] [--sample-coupon]

  --live              required to change live mode (the key must be sk_live_…)
  --yes               apply live-mode changes without asking
  --dry-run           print the planned changes, change nothing
  --webhook-url URL   also create or update the webhook endpoint at URL
                      (e.g. https://example.com/api/webhooks/stripe)
  --sample-coupon     test mode only: also create the sample promotion code LAUNCH20
                      (20% off for 3 months) to try Checkout's promotion code field`;

const argsSchema = z.object({
  live: z.boolean().default(false),
  yes: z.boolean().default(false),
  "dry-run": z.boolean().default(false),
  help: z.boolean().default(false),
  "sample-coupon": z.boolean().default(false),
  "webhook-url": z
    .url({ message: "--webhook-url must be an absolute http(s) URL" })
    .refine((v) => /^https?:\/\//.test(v), "--webhook-url must be an absolute http(s) URL")
    .optional(),
});

function parse() {
  try {
    const { values } = parseArgs({
      options: {
        live: { type: "boolean" },
        yes: { type: "boolean", short: "y" },
        "dry-run": { type: "boolean" },
        help: { type: "boolean", short: "h" },
        "webhook-url": { type: "string" },
        "sample-coupon": { type: "boolean" },
      },
      strict: true,
    });
    const parsed = argsSchema.safeParse(values);
    if (parsed.success) return parsed.data;
    throw new Error(parsed.error.issues.map((i) => i.message).join("; "));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.error(USAGE);
    process.exit(2);
  }
}

async function ask(changes: string[]): Promise<boolean> {
  if (!process.stdin.isTTY) {
    console.error("Not a terminal: pass --yes to apply live-mode changes.");
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(
    `Apply ${changes.length} change${changes.length === 1 ? "" : "s"} to LIVE mode? Type "yes": `,
  );
  rl.close();
  return answer.trim().toLowerCase() === "yes";
}

const args = parse();
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

requireServices("npm run stripe:setup", ["database", "stripe"]);
const { runStripeSetup, StripeSetupRefusedError } = await import("@/lib/billing/config/setup");
const { stripeMode, usesStripeEmulator } = await import("@/lib/stripe");
const { env } = await import("@/lib/env");

if (!env.STRIPE_SECRET_KEY) {
  console.error("STRIPE_SECRET_KEY is not set: nothing to set up.");
  process.exit(1);
}
console.log(
  `Stripe setup: ${stripeMode()} mode (${usesStripeEmulator() ? `local emulator at ${env.STRIPE_API_BASE}` : "api.stripe.com"})`,
);
try {
  const result = await runStripeSetup({
    live: args.live,
    yes: args.yes,
    dryRun: args["dry-run"],
    webhookUrl: args["webhook-url"],
    samplePromotionCode: args["sample-coupon"],
    confirm: ask,
    log: (line) => console.log(line),
  });
  if (result.portalConfigurationId) {
    console.log(`Customer Portal configuration: ${result.portalConfigurationId}`);
  }
  if (result.webhookSecret) {
    // Stripe shows the signing secret once, at creation: this is the only chance to copy it.
    console.log(
      `Webhook signing secret of ${result.webhookEndpointId} (shown only now; set it as STRIPE_WEBHOOK_SECRET):\n  ${result.webhookSecret}`,
    );
  }
  process.exit(0);
} catch (error) {
  if (error instanceof StripeSetupRefusedError) console.error(`Refused: ${error.message}`);
  else
    console.error(`stripe:setup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
