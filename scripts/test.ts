/**
 * `npm test`: every check the project has, in order: lint + format, type-check, unit and
 * integration tests (Vitest, real PostgreSQL and the Stripe emulator), the webhook pipeline's
 * tests again through a transaction-mode PgBouncer (as Neon, Supabase and most Vercel deployments
 * connect), end-to-end tests (Playwright against a production build). All suites run even when
 * one fails; the last line is `N passed, N failed` over all of them.
 */
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { findPgBouncer, pgBouncerMissingMessage } from "./lib/pgbouncer";
import { binPath, exitCode, runNode } from "./lib/processes";

/** Test folders (or files) run a second time with DATABASE_URL through PgBouncer. */
const POOLED_TEST_PATHS = ["lib/billing/sync"];

const root = path.resolve(import.meta.dirname, "..");
const results = path.join(root, ".data", "test-results");
process.env.NEXT_TELEMETRY_DISABLED = "1";

type Tally = { passed: number; failed: number; skipped: number };
const tallies: { suite: string; tally: Tally }[] = [];

async function run(script: string, args: string[]): Promise<number> {
  return exitCode(runNode(script, args, {}));
}

/** A suite without per-test counts (lint, type-check) counts as one check. */
async function single(suite: string, script: string, args: string[]): Promise<void> {
  console.log(`\n▶ ${suite}`);
  const ok = (await run(script, args)) === 0;
  tallies.push({ suite, tally: { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 } });
}

function readJson(file: string): unknown {
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
}

rmSync(results, { recursive: true, force: true });

await single("eslint", binPath("eslint", "bin/eslint.js"), [".", "--max-warnings=0"]);
await single("prettier", binPath("prettier", "bin/prettier.cjs"), ["--check", "."]);
await single("typescript", binPath("typescript", "bin/tsc"), ["--noEmit", "-p", "."]);

type VitestJson = {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
};

/** One Vitest run with its own JSON report, tallied as one suite line. */
async function vitest(
  suite: string,
  name: string,
  args: string[],
  options: { env?: Record<string, string>; requireTests?: boolean } = {},
): Promise<void> {
  const file = path.join(results, `${name}.json`);
  const code = await exitCode(
    runNode(
      binPath("vitest", "vitest.mjs"),
      ["run", ...args, "--reporter=default", "--reporter=json", `--outputFile.json=${file}`],
      options.env ?? {},
    ),
  );
  const report = readJson(file) as VitestJson | undefined;
  if (!report) {
    tallies.push({ suite, tally: { passed: 0, failed: 1, skipped: 0 } });
    return;
  }
  // A crash outside any test (e.g. global setup) still counts as a failure.
  let failed = report.numFailedTests || (code === 0 ? 0 : 1);
  if (options.requireTests && report.numPassedTests + report.numFailedTests === 0) {
    console.log(`✗ ${suite}: no test ran`);
    failed = Math.max(failed, 1);
  }
  tallies.push({
    suite,
    tally: {
      passed: report.numPassedTests,
      failed,
      skipped: report.numPendingTests + report.numTodoTests,
    },
  });
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
  tallies.push({ suite: "vitest (pgbouncer)", tally: { passed: 0, failed: 1, skipped: 0 } });
}

console.log("\n▶ playwright (end to end, production build)");
const e2eCode = await run(binPath("tsx", "dist/cli.mjs"), [path.join(root, "scripts", "e2e.ts")]);
const e2e = readJson(path.join(results, "e2e.json")) as
  { stats: { expected: number; unexpected: number; flaky: number; skipped: number } } | undefined;
tallies.push({
  suite: "playwright",
  tally: e2e
    ? {
        passed: e2e.stats.expected,
        failed: e2e.stats.unexpected + e2e.stats.flaky || (e2eCode === 0 ? 0 : 1),
        skipped: e2e.stats.skipped,
      }
    : { passed: 0, failed: 1, skipped: 0 },
});

console.log("\nSummary");
for (const { suite, tally } of tallies) {
  console.log(
    `  ${suite.padEnd(18)} ${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`,
  );
}
const total = tallies.reduce(
  (sum, { tally }) => ({ passed: sum.passed + tally.passed, failed: sum.failed + tally.failed }),
  { passed: 0, failed: 0 },
);
const skipped = tallies.reduce((sum, { tally }) => sum + tally.skipped, 0);
console.log(
  `${total.passed} passed, ${total.failed} failed${skipped ? `, ${skipped} skipped` : ""}`,
);
process.exit(total.failed === 0 ? 0 : 1);
