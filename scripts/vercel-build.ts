/**
 * `npm run build:vercel`, Vercel's build command (vercel.json): applies migrations where
 * scripts/lib/deploy-migrations.ts says (production: through the direct URL; previews: only with
 * PREVIEW_MIGRATIONS=1), then `next build`. One line says which, and never a password.
 */
import { planDeployMigrations } from "./lib/deploy-migrations";
import { binPath, exitCode, runNode } from "./lib/processes";
import { runPrisma } from "./lib/prisma-cli";
import { redactUrl } from "./lib/urls";

const plan = planDeployMigrations(process.env);
if (plan.kind === "refuse") {
  console.error(`build: ${plan.problem}`);
  process.exit(1);
}
if (plan.kind === "skip") {
  console.log(`build: ${plan.reason}`);
} else {
  console.log(`build: applying migrations through ${plan.variable} (${redactUrl(plan.url)})`);
  try {
    // Every URL variable prisma.config.ts reads names the direct one, so nothing else is used.
    await runPrisma(["migrate", "deploy"], {
      DATABASE_URL: plan.url,
      DATABASE_URL_UNPOOLED: plan.url,
      DIRECT_DATABASE_URL: plan.url,
    });
  } catch (error) {
    console.error(`build: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  console.log("build: migrations are up to date");
}
process.exit(await exitCode(runNode(binPath("next", "dist/bin/next"), ["build"], {})));
