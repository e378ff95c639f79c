import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..", "..");

/** Path of a package's CLI entry, run with this Node (no reliance on PATH or npx). */
export function binPath(pkg: string, relative: string): string {
  return path.join(root, "node_modules", pkg, relative);
}

export function runNode(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
): ChildProcess {
  return spawn(process.execPath, [script, ...args], {
    stdio: "inherit",
    env: { ...process.env, ...env },
  });
}

/** Resolves with the exit code (signals count as failure). */
export function exitCode(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on("error", () => resolve(1));
  });
}

/** Polls a URL until it answers (any status), or fails after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(5_000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/** Runs `cleanup` once on SIGINT/SIGTERM, then exits with the conventional code. */
export function onShutdown(cleanup: () => Promise<void>): void {
  let done = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (done) return;
      done = true;
      void cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  }
}

/** Fails with one line naming the variable that moves it when `port` is taken on loopback. */
export async function assertPortFree(port: number, variable: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
  if (!free) {
    throw new Error(`port ${port} is in use on this machine: set ${variable} to a free port`);
  }
}
