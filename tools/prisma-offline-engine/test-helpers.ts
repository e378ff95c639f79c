import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const BRIDGE = path.join(ROOT, "tools/prisma-offline-engine/bin/schema-engine");
export const FALLBACK_LINE =
  "prisma: native schema engine not available, using the offline WebAssembly engine (tools/prisma-offline-engine)";

export type RunResult = { code: number | null; stdout: string; stderr: string };

/** Environment for child processes: the bridge forced on, nothing inherited that would bypass it. */
export function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PRISMA_OFFLINE_ENGINE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  };
  delete env.PRISMA_SCHEMA_ENGINE_BINARY;
  delete env.DATABASE_URL;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A scratch project under the OS temp folder: its own config, schema and migrations. */
export function createScratchProject(schemaModels: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "prisma-offline-engine-"));
  // The config imports `prisma/config`; a link keeps resolution working outside the repo.
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');
  writeFileSync(
    path.join(dir, "prisma.config.ts"),
    `import { defineConfig } from "prisma/config";
import { selectOfflineSchemaEngineIfNeeded } from ${JSON.stringify(path.join(ROOT, "tools/prisma-offline-engine/select.ts"))};

selectOfflineSchemaEngineIfNeeded();

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://placeholder@localhost:5432/placeholder" },
});
`,
  );
  mkdirSync(path.join(dir, "prisma"));
  writeSchema(dir, schemaModels);
  return dir;
}

export function writeSchema(dir: string, models: string): void {
  writeFileSync(
    path.join(dir, "prisma/schema.prisma"),
    `generator client {
  provider = "prisma-client"
  output   = "../generated/prisma"
}

datasource db {
  provider = "postgresql"
}

${models}`,
  );
}
