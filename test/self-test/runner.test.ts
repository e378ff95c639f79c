/**
 * The test runner must not lie: a failing run gives a non-zero exit code and a `failed` count in
 * the summary `npm test` prints. Runs the fixtures under test/fixtures/self-test (named
 * `*.fixture.ts`, so the project's own run never collects them) in child Vitest processes, through
 * the same code scripts/test.ts uses.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import {
  formatSummary,
  runVitest,
  vitestResult,
  type VitestJson,
  type VitestRun,
} from "../vitest-summary";

const root = path.resolve(import.meta.dirname, "..", "..");
const config = path.join(root, "test", "fixtures", "self-test", "vitest.config.ts");
const reportDir = mkdtempSync(path.join(os.tmpdir(), "runner-self-test-"));
afterAll(() => rmSync(reportDir, { recursive: true, force: true }));

/** Without the parent's worker variables, so the child is a plain `vitest run`. */
const cleanEnv = Object.fromEntries(
  Object.keys(process.env)
    .filter((key) => key.startsWith("VITEST") || key === "TEST_DATABASE_POOLER")
    .map((key) => [key, undefined]),
);

async function fixture(name: string, file: string, globalSetup = "embedded-postgres") {
  const run = await runVitest({
    name,
    args: ["--config", config, file],
    reportDir,
    stdio: "pipe",
    env: { ...cleanEnv, SELF_TEST_GLOBAL_SETUP: globalSetup, NO_COLOR: "1" },
  });
  const result = vitestResult(name, run);
  return { ...run, result, lastLine: formatSummary([result]).at(-1) };
}

// All fixture runs start at once (each is a Vitest process, about a second).
const runs = {
  failing: fixture("failing", "failing-assertion.fixture.ts"),
  unhandled: fixture("unhandled", "unhandled-rejection.fixture.ts"),
  setupThrows: fixture("setup-throws", "passing.fixture.ts", "throws"),
  fileError: fixture("file-error", "file-error.fixture.ts"),
  passing: fixture("passing", "passing.fixture.ts"),
};

describe("a failing run, in a child process", () => {
  test("a failing assertion (with embedded-postgres loaded): non-zero exit, counted", async () => {
    const run = await runs.failing;
    expect(run.code, run.output).not.toBe(0);
    expect(run.result.tally).toMatchObject({ passed: 1, failed: 1 });
    expect(run.lastLine).toBe("1 passed, 1 failed");
  });

  test("an unhandled rejection while every test passes: non-zero exit, counted", async () => {
    const run = await runs.unhandled;
    expect(run.code, run.output).not.toBe(0);
    expect(run.report?.numFailedTests).toBe(0); // the JSON report alone would call it a pass
    expect(run.result.tally).toMatchObject({ passed: 1, failed: 1 });
    expect(run.result.problems.join("\n")).toContain("self-test fixture: unhandled rejection");
    expect(run.lastLine).toBe("1 passed, 1 failed");
  });

  test("a crash in global setup: non-zero exit, counted", async () => {
    const run = await runs.setupThrows;
    expect(run.code, run.output).not.toBe(0);
    expect(run.output).toContain("self-test fixture: global setup crashed");
    expect(run.result.tally).toMatchObject({ passed: 0, failed: 1 });
    expect(run.lastLine).toBe("0 passed, 1 failed");
  });

  test("a test file that crashes on import: non-zero exit, counted", async () => {
    const run = await runs.fileError;
    expect(run.code, run.output).not.toBe(0);
    expect(run.result.tally).toMatchObject({ passed: 0, failed: 1 });
    expect(run.result.problems.join("\n")).toContain("crashed on import");
    expect(run.lastLine).toBe("0 passed, 1 failed");
  });

  test("control: a passing run exits 0 and counts no failure", async () => {
    const run = await runs.passing;
    expect(run.code, run.output).toBe(0);
    expect(run.result).toMatchObject({ tally: { passed: 1, failed: 0 }, problems: [] });
    expect(run.lastLine).toBe("1 passed, 0 failed");
  });
});

describe("the summary rules, when one signal lies", () => {
  const cleanReport: VitestJson = {
    success: true,
    numPassedTests: 3,
    numFailedTests: 0,
    numPendingTests: 0,
    numTodoTests: 0,
    testResults: [{ name: "a.test.ts", status: "passed", message: "", assertionResults: [] }],
  };
  const clean: VitestRun = {
    code: 0,
    report: cleanReport,
    outcome: { reason: "passed", unhandledErrors: [] },
  };
  const failed = (run: Partial<VitestRun>, requireTests = false) =>
    vitestResult("s", { ...clean, ...run }, { requireTests }).tally.failed;

  test("a clean run passes", () => {
    expect(failed({})).toBe(0);
  });

  test("exit code 0 with an error outside a test is a failure", () => {
    expect(
      failed({ outcome: { reason: "passed", unhandledErrors: ["Error: x", "Error: y"] } }),
    ).toBe(2);
  });

  test("a non-zero exit with a clean report is a failure", () => {
    expect(failed({ code: 1 })).toBe(1);
  });

  test("a missing report or run outcome is a failure", () => {
    expect(failed({ report: undefined })).toBe(1);
    expect(failed({ outcome: undefined })).toBe(1);
  });

  test("a run that did not end passed, or success: false, is a failure", () => {
    expect(failed({ outcome: { reason: "failed", unhandledErrors: [] } })).toBe(1);
    expect(failed({ report: { ...cleanReport, success: false } })).toBe(1);
  });

  test("a file that failed outside its tests counts once", () => {
    const report: VitestJson = {
      ...cleanReport,
      testResults: [{ name: "b.test.ts", status: "failed", message: "boom", assertionResults: [] }],
    };
    expect(failed({ report })).toBe(1);
  });

  test("requireTests: no test ran is a failure", () => {
    const report = { ...cleanReport, numPassedTests: 0 };
    expect(failed({ report })).toBe(0);
    expect(failed({ report }, true)).toBe(1);
  });
});
