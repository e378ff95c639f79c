import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The bridge executable that stands in for the native engine. */
export const BRIDGE_PATH = fileURLToPath(new URL("./bin/schema-engine", import.meta.url));

const ENV = "PRISMA_SCHEMA_ENGINE_BINARY";

function enginesDir(): string | undefined {
  try {
    // Resolved the way the CLI's bundled @prisma/engines would be: from the prisma package.
    const fromPrisma = createRequire(createRequire(import.meta.url).resolve("prisma/package.json"));
    return path.dirname(fromPrisma.resolve("@prisma/engines/package.json"));
  } catch {
    return undefined;
  }
}

function enginesVersion(dir: string): string | undefined {
  try {
    const pkg: unknown = JSON.parse(
      readFileSync(
        createRequire(path.join(dir, "package.json")).resolve(
          "@prisma/engines-version/package.json",
        ),
        "utf8",
      ),
    );
    const prisma = typeof pkg === "object" && pkg !== null ? Reflect.get(pkg, "prisma") : undefined;
    const version =
      typeof prisma === "object" && prisma !== null
        ? Reflect.get(prisma, "enginesVersion")
        : undefined;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
}

/** Prisma's download cache folder (fetch-engine's rules, minus the exotic cases). */
function cacheDir(): string {
  if (process.platform === "win32" && process.env.APPDATA)
    return path.join(process.env.APPDATA, "Prisma");
  if (process.env.XDG_CACHE_HOME) return path.join(process.env.XDG_CACHE_HOME, "prisma");
  return path.join(os.homedir(), ".cache/prisma");
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Whether the CLI would find a native engine without downloading: a `schema-engine-<target>`
 * next to @prisma/engines that answers `--version` with the expected commit, or a cached copy
 * whose `.sha256` matches (the CLI then copies it into node_modules itself).
 */
export function nativeEngineAvailable(): boolean {
  const dir = enginesDir();
  const version = dir ? enginesVersion(dir) : undefined;
  if (!dir || !version) return false;
  for (const name of listDir(dir).filter((file) => /^schema-engine-[^.]+(\.exe)?$/.test(file))) {
    const result = spawnSync(path.join(dir, name), ["--version"], {
      encoding: "utf8",
      timeout: 10_000,
    });
    if (result.status === 0 && result.stdout.includes(version)) return true;
  }
  const versionDir = path.join(cacheDir(), "master", version);
  for (const target of listDir(versionDir)) {
    const binary = path.join(
      versionDir,
      target,
      process.platform === "win32" ? "schema-engine.exe" : "schema-engine",
    );
    if (!existsSync(binary) || !existsSync(`${binary}.sha256`)) continue;
    const expected = readFileSync(`${binary}.sha256`, "utf8").trim();
    if (createHash("sha256").update(readFileSync(binary)).digest("hex") === expected) return true;
  }
  return false;
}

/**
 * Called from prisma.config.ts, which the CLI loads before it looks for (and would download) the
 * native schema engine: pointing PRISMA_SCHEMA_ENGINE_BINARY at the bridge there is enough.
 * PRISMA_OFFLINE_ENGINE=1 forces the bridge, =0 never uses it. Announces itself once: later loads
 * of the config (and child processes) see the variable already set.
 */
export function selectOfflineSchemaEngineIfNeeded(): void {
  if (process.env[ENV]) return;
  const mode = process.env.PRISMA_OFFLINE_ENGINE;
  if (mode === "0") return;
  if (mode !== "1" && nativeEngineAvailable()) return;
  process.env[ENV] = BRIDGE_PATH;
  process.stderr.write(
    "prisma: native schema engine not available, using the offline WebAssembly engine (tools/prisma-offline-engine)\n",
  );
}
