import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres, type RunningPostgres } from "./embedded-postgres";
import { onShutdown } from "./processes";

export type ScratchStack = {
  /** A throwaway PostgreSQL, deleted on stop. */
  postgres: RunningPostgres;
  /** A throwaway folder (emulator state and the like), deleted on stop. */
  scratch: string;
  /** Stopped in reverse order, before the database. */
  onStop(stop: () => Promise<unknown> | unknown): void;
  stopAll(): Promise<void>;
};

/**
 * What the e2e run and the deploy rehearsal start from: a throwaway database and folder, and
 * everything started on top of them stopped on exit or Ctrl-C.
 */
export async function startScratchStack(prefix: string): Promise<ScratchStack> {
  const postgres = await startEmbeddedPostgres();
  const scratch = mkdtempSync(path.join(os.tmpdir(), prefix));
  const stoppers: (() => Promise<unknown> | unknown)[] = [];
  async function stopAll(): Promise<void> {
    for (const stop of stoppers.reverse()) await Promise.resolve(stop()).catch(() => undefined);
    await postgres.stop().catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  }
  onShutdown(stopAll);
  return { postgres, scratch, onStop: (stop) => void stoppers.push(stop), stopAll };
}
