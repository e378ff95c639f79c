import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * Process accounting from /proc (Linux): process trees, their CPU time, and waiting for them to
 * exit. Elsewhere every function degrades to "unknown" (undefined / empty) instead of failing.
 */

type ProcEntry = { pid: number; ppid: number; ticks: number };

const CLOCK_TICKS = (() => {
  try {
    const value = Number.parseInt(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }), 10);
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
})();

export const hasProcfs = (() => {
  try {
    readFileSync("/proc/self/stat", "utf8");
    return true;
  } catch {
    return false;
  }
})();

function readEntry(pid: number): ProcEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ..." where comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ppid = Number(fields[1]);
    // utime, stime, cutime, cstime: fields 14-17 of stat(5), i.e. 11-14 after the comm.
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
    return { pid, ppid, ticks };
  } catch {
    return undefined;
  }
}

function allEntries(): ProcEntry[] {
  if (!hasProcfs) return [];
  const entries: ProcEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readEntry(Number(name));
    if (entry) entries.push(entry);
  }
  return entries;
}

/** The pid and every live descendant of it (empty when it is gone). */
export function processTree(root: number): number[] {
  const entries = allEntries();
  if (!entries.some((e) => e.pid === root)) return [];
  const children = new Map<number, number[]>();
  for (const e of entries) children.set(e.ppid, [...(children.get(e.ppid) ?? []), e.pid]);
  const tree: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop();
    if (pid === undefined) break;
    tree.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** CPU seconds used so far by a process tree (live processes and the children they reaped). */
export function treeCpuSeconds(root: number): number | undefined {
  const pids = processTree(root);
  if (pids.length === 0) return undefined;
  let ticks = 0;
  for (const pid of pids) ticks += readEntry(pid)?.ticks ?? 0;
  return ticks / CLOCK_TICKS;
}

/** The postmaster listening on `port` (its command line names the port), if found. */
export function findPostmaster(port: number): number | undefined {
  for (const e of allEntries()) {
    try {
      const argv = readFileSync(`/proc/${e.pid}/cmdline`, "utf8").split("\0");
      if (!/postgres$/.test(argv[0] ?? "")) continue;
      const i = argv.indexOf("-p");
      if (i >= 0 && argv[i + 1] === String(port)) return e.pid;
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

/** Busy and total CPU ticks of the whole machine (first line of /proc/stat). */
export function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((a, b) => a + b, 0);
    // idle + iowait are not busy.
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function signalQuietly(pid: number, sig: NodeJS.Signals = "SIGTERM"): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/**
 * Stops a process this script started, and whatever it started (e.g. tsx's child): SIGTERM to the
 * root, then SIGKILL to the survivors of its tree (by pid) after `graceMs`.
 */
export async function stopTree(root: number, graceMs = 10_000): Promise<void> {
  const tree = hasProcfs ? processTree(root) : [root];
  if (tree.length === 0) return;
  signalQuietly(root, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && tree.some(isAlive)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const pid of tree) if (isAlive(pid)) signalQuietly(pid, "SIGKILL");
}

/** Stops every process still running below this one (all of them were started by this script). */
export async function stopDescendants(graceMs = 5_000): Promise<void> {
  if (!hasProcfs) return;
  const left = processTree(process.pid).filter((pid) => pid !== process.pid);
  if (left.length === 0) return;
  for (const pid of left) signalQuietly(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && left.some(isAlive)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const pid of left) if (isAlive(pid)) signalQuietly(pid, "SIGKILL");
}
