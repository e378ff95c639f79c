/**
 * `npm run test:e2e`: end-to-end tests against a production build, as users get it. Starts a
 * throwaway PostgreSQL, builds the app (into .next-e2e, so a running `npm run dev` is untouched),
 * serves it with `next start`, runs Playwright, and stops everything. Extra arguments go to
 * Playwright (e.g. `npm run test:e2e -- e2e/auth.spec.ts`).
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { freePort, startEmbeddedPostgres } from "./lib/embedded-postgres";
import { binPath, exitCode, onShutdown, runNode, waitForHttp } from "./lib/processes";
import { migrateDeploy } from "./lib/prisma-cli";

const root = path.resolve(import.meta.dirname, "..");
const postgres = await startEmbeddedPostgres();
const children: { kill(): boolean }[] = [];
async function stopAll(): Promise<void> {
  for (const child of children) child.kill();
  await postgres.stop().catch(() => undefined);
}
onShutdown(stopAll);

let code = 1;
try {
  await migrateDeploy(postgres.url);
  const port = await freePort();
  const appUrl = `http://localhost:${port}`;
  const env: Record<string, string> = {
    NEXT_TELEMETRY_DISABLED: "1",
    NEXT_DIST_DIR: ".next-e2e",
    DATABASE_URL: postgres.url,
    APP_URL: appUrl,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    EMAIL_OUTBOX: "1",
  };
  const next = binPath("next", "dist/bin/next");
  if (process.env.E2E_SKIP_BUILD !== "1") {
    const build = runNode(next, ["build"], env);
    if ((await exitCode(build)) !== 0) throw new Error("next build failed");
  }
  const server = runNode(next, ["start", "--port", String(port)], env);
  children.push(server);
  await waitForHttp(appUrl);

  const playwright = runNode(
    binPath("@playwright/test", "cli.js"),
    ["test", ...process.argv.slice(2)],
    { ...env, E2E_BASE_URL: appUrl },
  );
  code = await exitCode(playwright);
} catch (error) {
  console.error(`e2e: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await stopAll();
}
process.chdir(root);
process.exit(code);
