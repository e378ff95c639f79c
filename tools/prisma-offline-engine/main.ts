import { parseArgs } from "./args";
import { runCliCommand } from "./cli-commands";
import { createEngineHandler, toEngineError } from "./engine";
import { errorMessage, logLine } from "./log";
import { serve } from "./rpc";
import { dropLeftoverShadowDatabases } from "./shadow";
import { loadSchemaEngineWasm } from "./wasm";

async function main(): Promise<number> {
  // stdout is the RPC channel and stderr must stay JSON lines: keep stray output off both.
  console.log = console.info = console.debug = console.warn = () => undefined;
  process.removeAllListeners("warning");

  const args = parseArgs(process.argv.slice(2));
  if (args.version) {
    process.stdout.write(`schema-engine-cli ${loadSchemaEngineWasm().version()}\n`);
    return 0;
  }
  if (args.cli.length > 0) return runCliCommand(args.cli[0] ?? "", args.datasource.url);

  const server = serve(createEngineHandler(args));
  // A Rust panic inside a callback the wasm scheduled (not inside a call we await) surfaces as an
  // uncaught RuntimeError. The instance is unusable afterwards: answer, clean up, exit like the
  // native engine does on a panic (101).
  process.on("uncaughtException", (error) => {
    server.failInFlight(toEngineError(error));
    void dropLeftoverShadowDatabases().finally(() => process.exit(101));
  });
  // The CLI ends stdin and then kills the engine right away; Ctrl-C interrupts mid-way.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => void dropLeftoverShadowDatabases().finally(() => process.exit(0)));
  }
  await server.done;
  await dropLeftoverShadowDatabases();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    logLine("ERROR", errorMessage(error));
    process.exit(1);
  },
);
