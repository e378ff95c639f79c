/**
 * `npm test`: every check the project has, in order: lint + format, type-check, unit and
 * integration tests (Vitest, real PostgreSQL and the Stripe emulator), end-to-end tests
 * (Playwright against a production build). All suites run even when one fails; the last line is
 * `N passed, N failed` over all of them.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { binPath, exitCode, runNode } from "./lib/processes";

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

console.log("\n▶ vitest (unit + integration)");
const unitFile = path.join(results, "unit.json");
const unitCode = await run(binPath("vitest", "vitest.mjs"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${unitFile}`,
]);
const unit = readJson(unitFile) as
  | {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    }
  | undefined;
tallies.push({
  suite: "vitest",
  tally: unit
    ? {
        passed: unit.numPassedTests,
        // A crash outside any test (e.g. global setup) still counts as a failure.
        failed: unit.numFailedTests || (unitCode === 0 ? 0 : 1),
        skipped: unit.numPendingTests + unit.numTodoTests,
      }
    : { passed: 0, failed: 1, skipped: 0 },
});

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
    `  ${suite.padEnd(12)} ${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`,
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
