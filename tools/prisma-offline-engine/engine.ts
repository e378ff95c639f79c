import { readFileSync } from "node:fs";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { createAdapterFactory, type Datasource } from "./adapter";
import { createDatabase, KnownError } from "./cli-commands";
import { errorMessage } from "./log";
import { EngineError, type Handler } from "./rpc";
import { redactUrl } from "./urls";
import { loadSchemaEngineWasm, takePanicMessage, type SchemaEngine } from "./wasm";

/** Methods the wasm SchemaEngine implements under the same name and params as the RPC. */
const FORWARDED = new Set([
  "applyMigrations",
  "createMigration",
  "dbExecute",
  "debugPanic",
  "devDiagnostic",
  "diagnoseMigrationHistory",
  "ensureConnectionValidity",
  "evaluateDataLoss",
  "introspect",
  "introspectSql",
  "markMigrationApplied",
  "markMigrationRolledBack",
  "reset",
  "schemaPush",
]);

/**
 * Pitfall 4: evaluateDataLoss / createMigration fail with "shadow DB must be provided through an
 * external factory" unless devDiagnostic ran before them, and other calls in between (seen with
 * applyMigrations, which `migrate dev` sends when migrations are pending) undo that.
 */
const NEEDS_DIAGNOSTIC = new Set(["evaluateDataLoss", "createMigration"]);
const KEEPS_DIAGNOSTIC = new Set(["devDiagnostic", ...NEEDS_DIAGNOSTIC]);

const POSTGRES_ONLY_SCHEMA = 'datasource db {\n  provider = "postgresql"\n}\n';

export type EngineOptions = { datamodels: string[]; datasource: Datasource };

function field(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null ? Reflect.get(value, name) : undefined;
}

/**
 * The wasm engine rejects with a `SchemaConnectorError` carrying the user-facing code in `code`
 * (e.g. P3005) and sometimes `meta`; a Rust panic surfaces as `RuntimeError: unreachable` after
 * the panic hook recorded its message (pitfall 5).
 */
export function toEngineError(error: unknown): EngineError {
  const panic = takePanicMessage();
  if (panic !== undefined || error instanceof WebAssembly.RuntimeError) {
    return new EngineError({ is_panic: true, message: panic ?? errorMessage(error) });
  }
  if (error instanceof EngineError) return error;
  if (error instanceof KnownError) {
    return new EngineError({
      is_panic: false,
      message: error.message,
      error_code: error.errorCode,
    });
  }
  const code = field(error, "code");
  const meta = field(error, "meta");
  return new EngineError({
    is_panic: false,
    message: errorMessage(error),
    ...(typeof code === "string" && /^P\d{4}$/.test(code) ? { error_code: code } : {}),
    ...(meta !== undefined ? { meta } : {}),
  });
}

/** Builds the RPC handler: one wasm SchemaEngine per process, created on first use. */
export function createEngineHandler(options: EngineOptions): Handler {
  let engine: Promise<SchemaEngine> | undefined;
  let diagnosed = false;
  const getEngine = (): Promise<SchemaEngine> => {
    engine ??= (async () => {
      const { SchemaEngine } = loadSchemaEngineWasm();
      const datamodels = options.datamodels.map((file): [string, string] => [
        file,
        readFileSync(file, "utf8"),
      ]);
      // The CLI passes no --datamodels for e.g. `migrate diff`; the native engine copes, the wasm
      // panics ("validate_multi_file() must be called with at least one file"). It only needs to
      // know the provider, and this bridge only speaks Postgres.
      if (datamodels.length === 0) datamodels.push(["schema.prisma", POSTGRES_ONLY_SCHEMA]);
      const adapterFactory = bindMigrationAwareSqlAdapterFactory(
        createAdapterFactory(options.datasource),
      );
      // The engine's tracing output is already JSON lines in the native format: pass it through.
      const log = (line: unknown) => process.stderr.write(`${redactUrl(String(line).trimEnd())}\n`);
      return SchemaEngine.new({ datamodels }, log, adapterFactory);
    })();
    return engine;
  };

  const call = async (method: string, params: unknown): Promise<unknown> => {
    const instance = await getEngine();
    const fn: unknown = Reflect.get(instance, method);
    if (typeof fn !== "function")
      throw new Error(`Method not supported by the wasm engine: ${method}`);
    const result: unknown = await Reflect.apply(fn, instance, [params]);
    return result;
  };

  return async (method, params, peer) => {
    try {
      if (method === "getDatabaseVersion") {
        return await call("version", params ?? undefined);
      }
      if (method === "createDatabase") {
        const url = options.datasource.url;
        if (!url) throw new KnownError("P1012", "No datasource URL was given to the schema engine");
        return { databaseName: await createDatabase(url) };
      }
      if (method === "diff") {
        // The native engine prints the diff through an engine-to-CLI `print` request and returns
        // no stdout; the CLI relies on that (it captures printed text for `--output`).
        const result = await call("diff", params);
        const stdout = field(result, "stdout");
        if (typeof stdout === "string") await peer.request("print", { content: stdout });
        return { exitCode: field(result, "exitCode") ?? 0, stdout: null };
      }
      if (!FORWARDED.has(method)) throw new Error(`Unknown schema engine method: ${method}`);
      if (NEEDS_DIAGNOSTIC.has(method) && !diagnosed) {
        await call("devDiagnostic", {
          migrationsList: field(params, "migrationsList"),
          filters: field(params, "filters"),
        });
        diagnosed = true;
      }
      if (!KEEPS_DIAGNOSTIC.has(method)) diagnosed = false;
      const result = await call(method, params);
      if (method === "devDiagnostic") diagnosed = true;
      return result;
    } catch (error) {
      throw toEngineError(error);
    }
  };
}
