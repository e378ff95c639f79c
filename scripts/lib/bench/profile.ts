import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** A summary of a V8 .cpuprofile (`node --cpu-prof`): where the process spent its own time. */

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
};
type CpuProfile = {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
};

/** A stretch of the run, in microseconds of CLOCK_MONOTONIC (V8's clock for profiles). */
export type Window = { label: string; startUs: number; endUs: number };

/** Now, on the clock profiles use (Linux: CLOCK_MONOTONIC, like process.hrtime). */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** "next", "@prisma/client", "react-dom", "node:internal", "app", "(garbage collector)", ... */
function owner(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node:internal";
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "node_modules/".length).split("/");
    const first = rest[0] ?? "?";
    return first.startsWith("@") ? `${first}/${rest[1] ?? "?"}` : first;
  }
  if (url.includes("/server/chunks/") || url.includes("/server/app/")) return "app bundle";
  return path.basename(url);
}

/** Self time by package and by function, within each window, idle excluded. */
export function summarizeProfile(file: string, windows: readonly Window[], top = 10): string[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const stamps: number[] = [];
  let at = profile.startTime;
  for (const delta of profile.timeDeltas) stamps.push((at += delta));
  const lines: string[] = [];
  for (const window of windows) {
    const ids = profile.samples.filter((_, i) => {
      const t = stamps[i] ?? 0;
      return t >= window.startUs && t <= window.endUs;
    });
    lines.push(...summarize(profile, ids, window, top));
  }
  return lines;
}

function summarize(profile: CpuProfile, ids: number[], window: Window, top: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const busy = ids.filter((id) => byId.get(id)?.callFrame.functionName !== "(idle)");
  const total = busy.length;
  const seconds = (window.endUs - window.startUs) / 1e6;
  const head = `${window.label}: ${seconds.toFixed(1)} s, ${ids.length ? ((total / ids.length) * 100).toFixed(0) : "0"}% of samples busy`;
  if (total === 0) return [`${head} (no busy samples)`];
  const hits = new Map<number, number>();
  for (const id of busy) hits.set(id, (hits.get(id) ?? 0) + 1);
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const n = hits.get(node.id) ?? 0;
    if (n === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const who = owner(url, functionName);
    byOwner.set(who, (byOwner.get(who) ?? 0) + n);
    const fn = `${functionName || "(anonymous)"} ${who}${url ? `:${lineNumber + 1}` : ""}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + n);
  }
  const pct = (n: number) => `${((n / total) * 100).toFixed(1)}%`;
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return [
    head,
    `  busy self time by package: ${sorted(byOwner)
      .slice(0, top)
      .map(([k, n]) => `${k} ${pct(n)}`)
      .join(", ")}`,
    "  top functions (self time, % of busy):",
    ...sorted(byFunction)
      .slice(0, top)
      .map(([k, n]) => `    ${pct(n).padStart(6)}  ${k}`),
  ];
}

export function newestProfile(dir: string): string | undefined {
  try {
    const newest = readdirSync(dir)
      .filter((f) => f.endsWith(".cpuprofile"))
      .sort()
      .at(-1);
    return newest ? path.join(dir, newest) : undefined;
  } catch {
    return undefined;
  }
}
