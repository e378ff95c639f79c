/**
 * How `npm test` (scripts/test.ts) runs one Vitest suite and turns it into a summary line. Kept
 * apart from scripts/test.ts so test/self-test/runner.test.ts can run the same code on fixtures.
 *
 * A suite fails when any one of these says so (no single signal is trusted alone):
 * - a failed test (JSON report `numFailedTests`);
 * - a test file that failed outside its tests (import error, failing beforeAll/afterAll): one each;
 * - an error outside any test (unhandled rejection or exception), from test/reporters/run-outcome.ts
 *   (the JSON report has no field for these): one each;
 * - otherwise, the run itself: a non-zero exit code, a missing JSON report or run outcome, a run
 *   that did not end "passed" (a crash in global setup), `success: false` (e.g. no test files),
 *   or (with `requireTests`) no test at all: one failure.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { binPath } from "../scripts/lib/processes";
import type { RunOutcome } from "./reporters/run-outcome";

export type Tally = { passed: number; failed: number; skipped: number };
export type SuiteResult = { suite: string; tally: Tally; problems: string[] };

/** The part of Vitest's JSON reporter output this uses. */
export type VitestJson = {
  success: boolean;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: {
    name: string;
    status: string;
    message: string;
    assertionResults: { status: string }[];
  }[];
};

export type VitestRun = {
  code: number;
  report: VitestJson | undefined;
  outcome: RunOutcome | undefined;
};

const OUTCOME_REPORTER = path.join(import.meta.dirname, "reporters", "run-outcome.ts");

/** Tallies one Vitest run (see the rules at the top of this file). */
export function vitestResult(
  suite: string,
  { code, report, outcome }: VitestRun,
  options: { requireTests?: boolean } = {},
): SuiteResult {
  const problems: string[] = [];
  let failed = report?.numFailedTests ?? 0;
  for (const file of report?.testResults ?? []) {
    if (file.status !== "failed" || file.assertionResults.some((t) => t.status === "failed")) {
      continue;
    }
    failed += 1;
    problems.push(`${file.name} failed outside its tests: ${file.message || "(no message)"}`);
  }
  for (const error of outcome?.unhandledErrors ?? []) {
    failed += 1;
    problems.push(`error outside any test: ${error}`);
  }

  const runProblems: string[] = [];
  if (code !== 0) runProblems.push(`vitest exited with code ${code}`);
  if (!report) runProblems.push("no JSON report was written");
  else if (!report.success) runProblems.push("the JSON report says success: false");
  if (!outcome) runProblems.push("no run outcome was written (did Vitest crash?)");
  else if (outcome.reason !== "passed") runProblems.push(`the run ended "${outcome.reason}"`);
  const ran = (report?.numPassedTests ?? 0) + (report?.numFailedTests ?? 0);
  if (options.requireTests && ran === 0) runProblems.push("no test ran");
  if (failed > 0) {
    // The run-level signals only repeat what the counted failures say, unless the exit code lies.
    if (code === 0) problems.push("vitest exited 0 despite these failures");
  } else if (runProblems.length > 0) {
    failed = 1;
    problems.push(...runProblems);
  }

  return {
    suite,
    tally: {
      passed: report?.numPassedTests ?? 0,
      failed,
      skipped: (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0),
    },
    problems,
  };
}

/** The summary block `npm test` prints; its last line is `N passed, N failed[, N skipped]`. */
export function formatSummary(results: SuiteResult[]): string[] {
  const lines = ["Summary"];
  for (const { suite, tally, problems } of results) {
    lines.push(
      `  ${suite.padEnd(18)} ${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`,
    );
    for (const problem of problems) lines.push(`    ✗ ${problem}`);
  }
  const sum = (key: keyof Tally) => results.reduce((total, { tally }) => total + tally[key], 0);
  const skipped = sum("skipped");
  lines.push(
    `${sum("passed")} passed, ${sum("failed")} failed${skipped ? `, ${skipped} skipped` : ""}`,
  );
  return lines;
}

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/**
 * Runs `vitest run ARGS` in a child process with the JSON report and the run-outcome reporter
 * writing into `reportDir` as NAME.json / NAME.outcome.json.
 */
export async function runVitest(options: {
  name: string;
  args: string[];
  reportDir: string;
  env?: Record<string, string | undefined>;
  /** "inherit" (npm test) or "pipe" (the self-test: output is returned instead). */
  stdio?: "inherit" | "pipe";
  cwd?: string;
}): Promise<VitestRun & { output: string }> {
  mkdirSync(options.reportDir, { recursive: true });
  const reportFile = path.join(options.reportDir, `${options.name}.json`);
  const outcomeFile = path.join(options.reportDir, `${options.name}.outcome.json`);
  rmSync(reportFile, { force: true });
  rmSync(outcomeFile, { force: true });
  const child = spawn(
    process.execPath,
    [
      binPath("vitest", "vitest.mjs"),
      "run",
      ...options.args,
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${reportFile}`,
      `--reporter=${OUTCOME_REPORTER}`,
    ],
    {
      cwd: options.cwd,
      stdio: options.stdio === "pipe" ? ["ignore", "pipe", "pipe"] : "inherit",
      env: { ...process.env, ...options.env, VITEST_RUN_OUTCOME_FILE: outcomeFile },
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number>((resolve) => {
    child.on("close", (exit, signal) => resolve(exit ?? (signal ? 1 : 0)));
    child.on("error", () => resolve(1));
  });
  return {
    code,
    report: readJson<VitestJson>(reportFile),
    outcome: readJson<RunOutcome>(outcomeFile),
    output,
  };
}
