/**
 * What `npm run dev` started (the embedded database's URL, the emulator's URL, key and webhook
 * secret, the app's URL), written to `.data/dev-services.env` while it runs, so every command in a
 * second terminal (`npx prisma ...`, `npm run stripe:setup`, `billing:doctor`, `stripe:reconcile`,
 * `db:migrate`) finds them without copying anything. Only development reads it, only variables
 * that are not already set are taken from it, and a file left by a dev server that no longer runs
 * is ignored. Plain `node:fs` only: `prisma.config.ts` loads this too.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Not import.meta.dirname: Prisma's config loader may not provide it.
const root = fileURLToPath(new URL("../..", import.meta.url));

type Env = Record<string, string | undefined>;

/** Where `npm run dev` keeps its database, emulator state and this file (`DEV_DATA_DIR`). */
export function devDataDir(env: Env = process.env): string {
  return path.resolve(root, env.DEV_DATA_DIR || ".data");
}

export function devServicesFile(env: Env = process.env): string {
  return path.join(devDataDir(env), "dev-services.env");
}

export type DevServices = { pid: number; vars: Record<string, string> };

/** Written by the dev server; readable by its user only (it holds the emulator's secret). */
export function writeDevServices(file: string, services: DevServices): void {
  const lines = [
    `# Written by npm run dev (pid ${services.pid}) and removed when it stops. Do not edit.`,
    `DEV_SERVICES_PID=${services.pid}`,
    ...Object.entries(services.vars).map(([name, value]) => `${name}=${JSON.stringify(value)}`),
  ];
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** The file's contents, or null when it is absent, unreadable or its dev server has stopped. */
export function readDevServices(file: string): DevServices | null {
  if (!existsSync(file)) return null;
  const vars: Record<string, string> = {};
  let pid = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match?.[1] || match[2] === undefined) continue;
    if (match[1] === "DEV_SERVICES_PID") pid = Number(match[2]);
    else vars[match[1]] = parseValue(match[2]);
  }
  return Number.isInteger(pid) && pid > 0 && isRunning(pid) ? { pid, vars } : null;
}

function parseValue(raw: string): string {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === "string" ? value : raw;
  } catch {
    return raw;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's process.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Fills the variables that are not set from a running dev server's file (never in production).
 * Returns the names it filled.
 */
export function loadDevServices(env: Env = process.env): string[] {
  if (env.NODE_ENV === "production") return [];
  const services = readDevServices(devServicesFile(env));
  if (!services) return [];
  const filled = Object.entries(services.vars).filter(([name]) => env[name] === undefined);
  for (const [name, value] of filled) env[name] = value;
  return filled.map(([name]) => name);
}

/** Removes the file if it is this process's (a second dev server must not delete the first's). */
export function removeDevServices(file: string, pid = process.pid): void {
  if (readDevServices(file)?.pid === pid) rmSync(file, { force: true });
}
