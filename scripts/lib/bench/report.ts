import { cores, type CpuUsage } from "./cpu";

/** Plain-text output that is also Markdown: padded pipe tables, verdict lines. */

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, i) => Math.max(3, ...cells.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [
    line(headers),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...cells.slice(1).map(line),
  ].join("\n");
}

export function ms(value: number | undefined | null): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return "n/a";
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
}

export function seconds(valueMs: number | undefined | null): string {
  if (valueMs === undefined || valueMs === null || !Number.isFinite(valueMs)) return "n/a";
  return `${(valueMs / 1000).toFixed(1)} s`;
}

export function num(value: number | undefined | null, digits = 0): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return "n/a";
  return value.toFixed(digits);
}

/** "next 85%, postgres 40%, ..., other processes 10%", each in % of one core. */
export function cpuSummary(usage: CpuUsage | undefined): string {
  if (!usage) return "n/a";
  const parts = Object.entries(usage.components)
    .filter((entry): entry is [string, number] => entry[1] !== undefined)
    .map(([name, pct]) => `${name} ${pct.toFixed(0)}%`);
  if (usage.machine !== undefined) {
    // What the rest of the machine used meanwhile (other programs compete for the same cores).
    const ours = Object.values(usage.components).reduce<number>((sum, pct) => sum + (pct ?? 0), 0);
    const others = Math.max(0, (usage.machine / 100) * cores * 100 - ours);
    parts.push(`other processes ${others.toFixed(0)}%`);
  }
  return parts.length > 0 ? parts.join(", ") : "n/a";
}

export type Verdict = { target: string; pass: boolean; observed: string };

export function verdictLine(v: Verdict): string {
  return `- ${v.pass ? "PASS" : "FAIL"} ${v.target}: ${v.observed}`;
}
