import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { percentile } from "./http";

/**
 * How long the disk takes to make a small write durable (`fdatasync`, Postgres's default
 * wal_sync_method on Linux): every commit that writes waits for one, shared by the commits
 * waiting at the same time.
 */
export function measureFdatasync(
  dir: string,
  times = 200,
): { p50: number; p99: number; max: number } {
  const scratch = mkdtempSync(path.join(dir, "bench-fsync-"));
  const file = path.join(scratch, "probe");
  const fd = openSync(file, "w");
  const block = Buffer.alloc(8192, 1);
  const latencies: number[] = [];
  try {
    for (let i = 0; i < times; i++) {
      writeSync(fd, block, 0, block.length, (i % 16) * block.length);
      const startedAt = performance.now();
      fdatasyncSync(fd);
      latencies.push(performance.now() - startedAt);
    }
  } finally {
    closeSync(fd);
    rmSync(scratch, { recursive: true, force: true });
  }
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
  };
}
