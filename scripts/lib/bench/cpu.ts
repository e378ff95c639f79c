import os from "node:os";
import { machineTicks, treeCpuSeconds } from "./procfs";

/** CPU used during a window, per component in % of one core, and the machine's busy %. */
export type CpuUsage = {
  /** Component name to % of one core (100 = one core fully busy); undefined when unknown. */
  components: Record<string, number | undefined>;
  /** Busy share of all cores, in %. */
  machine: number | undefined;
};

export type CpuComponents = Record<string, () => number | undefined>;

/** The CPU seconds so far of the process trees rooted at these pids, and of this process. */
export function componentsOf(roots: Record<string, number | undefined>): CpuComponents {
  const components: CpuComponents = {};
  for (const [name, pid] of Object.entries(roots)) {
    components[name] = () => (pid === undefined ? undefined : treeCpuSeconds(pid));
  }
  // This process alone (its children are components of their own).
  components.bench = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  };
  return components;
}

/** Starts measuring; the returned function ends the window and reports it. */
export function startCpuWindow(components: CpuComponents): () => CpuUsage {
  const startedAt = performance.now();
  const before = Object.fromEntries(Object.entries(components).map(([k, read]) => [k, read()]));
  const machineBefore = machineTicks();
  return () => {
    const seconds = (performance.now() - startedAt) / 1000;
    const usage: CpuUsage = { components: {}, machine: undefined };
    for (const [name, read] of Object.entries(components)) {
      const start = before[name];
      const end = read();
      usage.components[name] =
        start === undefined || end === undefined || seconds <= 0
          ? undefined
          : (Math.max(0, end - start) / seconds) * 100;
    }
    const machineAfter = machineTicks();
    if (machineBefore && machineAfter && machineAfter.total > machineBefore.total) {
      usage.machine =
        ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) *
        100;
    }
    return usage;
  };
}

export const cores = os.availableParallelism();
