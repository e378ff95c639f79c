// The doctor's result shapes and their printed table, shared by the checks and the CLI.
import type { StripeMode } from "@/lib/stripe";

export type CheckStatus = "pass" | "warn" | "fail" | "skip";
export type DoctorCheck = { name: string; status: CheckStatus; detail: string };
export type DoctorReport = { mode: StripeMode | null; ok: boolean; checks: DoctorCheck[] };

export function formatDoctorReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const out: string[] = [];
  for (const check of report.checks) {
    const [first = "", ...rest] = check.detail.split("\n");
    const label = check.status.toUpperCase();
    out.push(`  ${label}  ${check.name.padEnd(width)}  ${first}`);
    for (const line of rest) out.push(`  ${" ".repeat(4)}  ${" ".repeat(width)}  ${line}`);
  }
  const count = (s: CheckStatus) => report.checks.filter((c) => c.status === s).length;
  const skipped = count("skip");
  const warned = count("warn");
  out.push("");
  out.push(
    `${count("pass")} passed, ${count("fail")} failed` +
      `${warned ? `, ${warned} warning${warned === 1 ? "" : "s"}` : ""}` +
      `${skipped ? `, ${skipped} skipped` : ""}.`,
  );
  return out.join("\n");
}
