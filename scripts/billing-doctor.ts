/**
 * `npm run billing:doctor`: read-only checks of billing in the key's mode, one line each; exits
 * non-zero when any check fails (lib/billing/config/doctor.ts).
 */
import { parseArgs } from "node:util";
import { loadScriptEnv, requireServices } from "./lib/script-env";
import { z } from "zod";

loadScriptEnv();

const args = (() => {
  try {
    const { values } = parseArgs({
      options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    });
    return z
      .object({ json: z.boolean().default(false), help: z.boolean().default(false) })
      .parse(values);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.error("Usage: npm run billing:doctor [-- --json]");
    process.exit(2);
  }
})();
if (args.help) {
  console.log("Usage: npm run billing:doctor [-- --json]");
  process.exit(0);
}

requireServices("npm run billing:doctor", ["database"]);
const { runBillingDoctor, formatDoctorReport } = await import("@/lib/billing/config/doctor");
const { env } = await import("@/lib/env");
const { db } = await import("@/lib/db");

const report = await runBillingDoctor({
  portalConfigurationId: env.STRIPE_PORTAL_CONFIGURATION_ID,
});
if (args.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(`Billing doctor: ${report.mode ?? "no"} mode, APP_URL ${env.APP_URL}\n`);
  console.log(formatDoctorReport(report));
}
await db.$disconnect().catch(() => undefined);
process.exit(report.ok ? 0 : 1);
