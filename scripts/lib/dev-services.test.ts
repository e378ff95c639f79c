/** What `npm run dev` leaves for commands in a second terminal. */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  devServicesFile,
  loadDevServices,
  readDevServices,
  removeDevServices,
  writeDevServices,
} from "./dev-services";

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "dev-services-"));
  file = devServicesFile({ DEV_DATA_DIR: dir });
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const vars = {
  DATABASE_URL: "postgresql://postgres:postgres@localhost:54329/app",
  STRIPE_SECRET_KEY: "sk_test_local_emulator",
  APP_URL: "http://localhost:4000",
};

describe("the dev services file", () => {
  it("fills what is unset, keeps what is set, and is readable by its owner only", () => {
    writeDevServices(file, { pid: process.pid, vars });
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const env: Record<string, string | undefined> = {
      DEV_DATA_DIR: dir,
      APP_URL: "http://localhost:3000",
    };
    expect(loadDevServices(env).sort()).toEqual(["DATABASE_URL", "STRIPE_SECRET_KEY"]);
    expect(env).toMatchObject({
      DATABASE_URL: vars.DATABASE_URL,
      STRIPE_SECRET_KEY: vars.STRIPE_SECRET_KEY,
      APP_URL: "http://localhost:3000",
    });
  });

  it("is ignored once the dev server that wrote it has stopped", async () => {
    const child = spawn(process.execPath, ["-e", ""]);
    const pid = child.pid ?? 0;
    await new Promise((resolve) => child.on("exit", resolve));
    writeDevServices(file, { pid, vars });

    expect(readDevServices(file)).toBeNull();
    const env: Record<string, string | undefined> = { DEV_DATA_DIR: dir };
    expect(loadDevServices(env)).toEqual([]);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it("is never read in production", () => {
    writeDevServices(file, { pid: process.pid, vars });
    const env: Record<string, string | undefined> = { DEV_DATA_DIR: dir, NODE_ENV: "production" };
    expect(loadDevServices(env)).toEqual([]);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it("is removed only by the process that wrote it", () => {
    writeDevServices(file, { pid: process.pid, vars });
    removeDevServices(file, process.pid + 1_000_000);
    expect(readDevServices(file)?.vars).toEqual(vars);
    removeDevServices(file);
    expect(readDevServices(file)).toBeNull();
  });
});
