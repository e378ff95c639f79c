/**
 * `npm test`: every check the project has, in order: lint + format, type-check, unit and
 * integration tests (Vitest, real PostgreSQL and the Stripe emulator), the webhook pipeline's
 * tests again through a transaction-mode PgBouncer (as Neon, Supabase and most Vercel deployments
 * connect), end-to-end tests (Playwright against a production build), and the deploy rehearsal
 * (scripts/deploy-rehearsal.ts). All suites run even when one fails; the last line is
 * `N passed, N failed` over all of them.
 */
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { findPgBouncer, pgBouncerMissingMessage } from "./lib/pgbouncer";
import { binPath, exitCode, runNode } from "./lib/processes";
import { formatSummary, runVitest, vitestResult, type SuiteResult } from "../test/vitest-summary";

/** Test folders (or files) run a second time with DATABASE_URL through PgBouncer. */
const POOLED_TEST_PATHS = ["lib/billing/sync"];

const root = path.resolve(import.meta.dirname, "..");
const results = path.join(root, ".data", "test-results");
process.env.NEXT_TELEMETRY_DISABLED = "1";

const suites: SuiteResult[] = [];

async function run(script: string, args: string[]): Promise<number> {
  return exitCode(runNode(script, args, {}));
}

/** A suite without per-test counts (lint, type-check) counts as one check. */
async function single(suite: string, script: string, args: string[]): Promise<void> {
  console.log(`\n▶ ${suite}`);
  const code = await run(script, args);
  const ok = code === 0;
  suites.push({
    suite,
    tally: { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 },
    problems: ok ? [] : [`exited with code ${code}`],
  });
}

function readJson(file: string): unknown {
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
}

rmSync(results, { recursive: true, force: true });

await single("eslint", binPath("eslint", "bin/eslint.js"), [".", "--max-warnings=0"]);
await single("prettier", binPath("prettier", "bin/prettier.cjs"), ["--check", "."]);
await single("typescript", binPath("typescript", "bin/tsc"), ["--noEmit", "-p", "."]);

/**
 * One Vitest run with its own JSON report and run outcome, tallied as one suite line by
 * test/vitest-summary.ts: a failed test, a file that failed outside its tests, an error outside
 * any test, a non-zero exit code or a crash (global setup) each count as a failure.
 */
async function vitest(
  suite: string,
  name: string,
  args: string[],
  options: { env?: Record<string, string>; requireTests?: boolean } = {},
): Promise<void> {
  const result = vitestResult(
    suite,
    await runVitest({ name, args, reportDir: results, env: options.env }),
    { requireTests: options.requireTests },
  );
  for (const problem of result.problems) console.log(`✗ ${suite}: ${problem}`);
  suites.push(result);
}

console.log("\n▶ vitest (unit + integration)");
await vitest("vitest", "unit", []);

console.log(`\n▶ vitest (pgbouncer): ${POOLED_TEST_PATHS.join(", ")} through PgBouncer`);
if (findPgBouncer()) {
  // Absolute paths, folders with a trailing slash: Vitest filters match by substring, and
  // "lib/billing/sync" alone would also pick lib/billing/sync.test.ts.
  const filters = POOLED_TEST_PATHS.map((entry) => {
    const full = path.join(root, entry);
    return existsSync(full) && statSync(full).isDirectory() ? `${full}/` : full;
  });
  await vitest("vitest (pgbouncer)", "pgbouncer", filters, {
    env: { TEST_DATABASE_POOLER: "pgbouncer" },
    requireTests: true,
  });
} else {
  console.log(`✗ ${pgBouncerMissingMessage()}`);
  suites.push({
    suite: "vitest (pgbouncer)",
    tally: { passed: 0, failed: 1, skipped: 0 },
    problems: [pgBouncerMissingMessage()],
  });
}

/** A Playwright run by `script`, tallied from the JSON report its config writes. */
async function playwright(suite: string, script: string, report: string): Promise<void> {
  const code = await run(binPath("tsx", "dist/cli.mjs"), [path.join(root, "scripts", script)]);
  const json = readJson(path.join(results, report)) as
    { stats: { expected: number; unexpected: number; flaky: number; skipped: number } } | undefined;
  const failed = json ? json.stats.unexpected + json.stats.flaky : 0;
  suites.push({
    suite,
    tally: json
      ? {
          passed: json.stats.expected,
          failed: failed || (code === 0 ? 0 : 1),
          skipped: json.stats.skipped,
        }
      : { passed: 0, failed: 1, skipped: 0 },
    problems: [
      ...(json ? [] : ["no JSON report was written"]),
      ...(code === 0 ? [] : [`exited with code ${code}`]),
    ],
  });
}

console.log("\n▶ playwright (end to end, production build)");
await playwright("playwright", "e2e.ts", "e2e.json");

console.log("\n▶ deploy rehearsal (build:vercel, production variables only, PgBouncer)");
await playwright("deploy rehearsal", "deploy-rehearsal.ts", "deploy.json");

console.log("");
const summary = formatSummary(suites);
for (const line of summary) console.log(line);
const failed = suites.reduce((total, { tally }) => total + tally.failed, 0);
process.exit(failed === 0 ? 0 : 1);
