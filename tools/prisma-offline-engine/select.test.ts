import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BRIDGE_PATH, selectOfflineSchemaEngineIfNeeded } from "./select";
import { BRIDGE, FALLBACK_LINE } from "./test-helpers";

const KEYS = ["PRISMA_SCHEMA_ENGINE_BINARY", "PRISMA_OFFLINE_ENGINE"] as const;

describe("selectOfflineSchemaEngineIfNeeded", () => {
  const saved = Object.fromEntries(KEYS.map((key) => [key, process.env[key]]));
  let stderr: string[];

  beforeEach(() => {
    for (const key of KEYS) delete process.env[key];
    stderr = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
    for (const key of KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it("keeps an engine the user chose", () => {
    process.env.PRISMA_SCHEMA_ENGINE_BINARY = "/opt/schema-engine";
    process.env.PRISMA_OFFLINE_ENGINE = "1";
    selectOfflineSchemaEngineIfNeeded();
    expect(process.env.PRISMA_SCHEMA_ENGINE_BINARY).toBe("/opt/schema-engine");
    expect(stderr).toEqual([]);
  });

  it("points the CLI at the bridge when forced, announcing it once however often it runs", () => {
    process.env.PRISMA_OFFLINE_ENGINE = "1";
    selectOfflineSchemaEngineIfNeeded();
    selectOfflineSchemaEngineIfNeeded();
    expect(process.env.PRISMA_SCHEMA_ENGINE_BINARY).toBe(BRIDGE_PATH);
    expect(BRIDGE_PATH).toBe(BRIDGE);
    expect(stderr).toEqual([`${FALLBACK_LINE}\n`]);
  });

  it("never uses the bridge when PRISMA_OFFLINE_ENGINE=0", () => {
    process.env.PRISMA_OFFLINE_ENGINE = "0";
    selectOfflineSchemaEngineIfNeeded();
    expect(process.env.PRISMA_SCHEMA_ENGINE_BINARY).toBeUndefined();
    expect(stderr).toEqual([]);
  });
});
