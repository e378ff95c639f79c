/**
 * The environment of the operational scripts (stripe:setup, billing:doctor, stripe:reconcile,
 * db:migrate): `.env*` files as Next loads them, then what a running `npm run dev` started
 * (scripts/lib/dev-services.ts) for whatever is still unset.
 */
import path from "node:path";
import nextEnv from "@next/env";
import { devServicesFile, loadDevServices } from "./dev-services";

const root = path.resolve(import.meta.dirname, "..", "..");

export function loadScriptEnv(): void {
  nextEnv.loadEnvConfig(root, process.env.NODE_ENV !== "production");
  loadDevServices();
}

type Service = "database" | "stripe";

const MISSING: Record<Service, { variable: string; what: string }> = {
  database: { variable: "DATABASE_URL", what: "no database" },
  stripe: { variable: "STRIPE_SECRET_KEY", what: "no Stripe key" },
};

/**
 * Exits with one line saying how to get what `command` needs, instead of a validation error with
 * a stack trace, when nothing provides it.
 */
export function requireServices(command: string, needs: readonly Service[]): void {
  const missing = needs.filter((need) => !process.env[MISSING[need].variable]);
  if (missing.length === 0) return;
  const file = path.relative(process.cwd(), devServicesFile()) || devServicesFile();
  const what = missing.map((need) => MISSING[need].what).join(" and ");
  const variables = missing.map((need) => MISSING[need].variable).join(" and ");
  console.error(
    `${command}: ${what}. Start \`npm run dev\` in another terminal (it writes ${file} for ` +
      `commands like this one), or set ${variables}.`,
  );
  process.exit(1);
}
