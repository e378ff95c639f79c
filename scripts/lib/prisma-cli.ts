import { spawn } from "node:child_process";
import { binPath } from "./processes";

/** Runs the project's Prisma CLI (which picks the offline engine when needed, see prisma.config.ts). */
export function runPrisma(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<void> {
  const cli = binPath("prisma", "build/index.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`prisma ${args.join(" ")} failed (exit ${code}):\n${output}`)),
    );
  });
}

export function migrateDeploy(databaseUrl: string): Promise<void> {
  return runPrisma(["migrate", "deploy"], { DATABASE_URL: databaseUrl });
}
