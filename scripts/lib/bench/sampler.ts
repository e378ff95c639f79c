/** Polls a measurement while something runs: Postgres sessions that are busy or waiting. */

export type PgActivity = {
  active: number;
  lockWaits: number;
  ioWaits: number;
  /** Wait event of each waiting session, e.g. "IO:WalSync", "Lock:transactionid". */
  waits: string[];
};

export type ActivitySummary = {
  samples: number;
  meanActive: number;
  maxActive: number;
  maxLockWaits: number;
  meanLockWaits: number;
  meanIoWaits: number;
  maxIoWaits: number;
  /** The most frequent wait events, with their share of all waiting session samples. */
  topWaits: { event: string; share: number }[];
};

export function startSampler(
  sample: () => Promise<PgActivity>,
  everyMs = 200,
): () => Promise<ActivitySummary> {
  const samples: PgActivity[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        samples.push(await sample());
      } catch {
        // A failed sample is only a missing data point.
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return async () => {
    running = false;
    await loop;
    const mean = (pick: (s: PgActivity) => number) =>
      samples.length === 0 ? Number.NaN : samples.reduce((a, s) => a + pick(s), 0) / samples.length;
    const max = (pick: (s: PgActivity) => number) => Math.max(0, ...samples.map(pick));
    const counts = new Map<string, number>();
    for (const s of samples) for (const w of s.waits) counts.set(w, (counts.get(w) ?? 0) + 1);
    const waited = [...counts.values()].reduce((a, b) => a + b, 0);
    return {
      samples: samples.length,
      meanActive: mean((s) => s.active),
      maxActive: max((s) => s.active),
      maxLockWaits: max((s) => s.lockWaits),
      meanLockWaits: mean((s) => s.lockWaits),
      meanIoWaits: mean((s) => s.ioWaits),
      maxIoWaits: max((s) => s.ioWaits),
      topWaits: [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([event, n]) => ({ event, share: n / waited })),
    };
  };
}
