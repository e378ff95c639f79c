import { after } from "next/server";

/**
 * Runs `task` once the response has been sent, keeping a serverless function alive until it ends
 * (Next's `after()`, which is Vercel's waitUntil). Outside a Next request (scripts, the integration
 * tests' receiver) there is nothing to wait for: the task starts now, detached.
 */
export function afterResponse(label: string, task: () => Promise<unknown>): void {
  const run = () =>
    task().catch((error: unknown) => {
      console.error(`[${label}] failed after the response: ${String(error)}`);
    });
  try {
    after(run);
  } catch {
    void run();
  }
}
