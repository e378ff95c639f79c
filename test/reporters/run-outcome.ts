import { writeFileSync } from "node:fs";
import type { Reporter } from "vitest/node";

type OnTestRunEnd = NonNullable<Reporter["onTestRunEnd"]>;

/** What this reporter writes: how the run ended, and the errors no test owned. */
export type RunOutcome = {
  reason: Parameters<OnTestRunEnd>[2];
  unhandledErrors: string[];
};

/**
 * Writes {@link RunOutcome} to the file named by VITEST_RUN_OUTCOME_FILE. Vitest's JSON report has
 * no field for errors outside tests (an unhandled rejection, a crash in global setup): its
 * `success` stays true for a run whose tests all passed next to an unhandled rejection, so the
 * summary in scripts/test.ts reads them from here as well as from the exit code.
 */
export default class RunOutcomeReporter implements Reporter {
  onTestRunEnd: OnTestRunEnd = (_modules, unhandledErrors, reason) => {
    const file = process.env.VITEST_RUN_OUTCOME_FILE;
    if (!file) return;
    const outcome: RunOutcome = {
      reason,
      unhandledErrors: unhandledErrors.map(
        (error) => `${error.name ?? "Error"}: ${error.message ?? String(error)}`,
      ),
    };
    writeFileSync(file, JSON.stringify(outcome));
  };
}
