import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as glue from "@prisma/schema-engine-wasm/schema_engine_bg";

export type SchemaEngine = glue.SchemaEngine;
export type { ConstructorOptions } from "@prisma/schema-engine-wasm/schema_engine_bg";

const require = createRequire(import.meta.url);

/** Last panic message reported by the wasm panic hook (pitfall 5), consumed by the RPC layer. */
let lastPanicMessage: string | undefined;

export function takePanicMessage(): string | undefined {
  const message = lastPanicMessage;
  lastPanicMessage = undefined;
  return message;
}

/**
 * The wasm shipped inside `prisma` is built from the same engines commit as the CLI, so its
 * protocol matches exactly; the glue JS from @prisma/schema-engine-wasm has identical imports and
 * exports (checked at load time below), so it can drive it.
 */
export function wasmPath(): string {
  return path.join(
    path.dirname(require.resolve("prisma/package.json")),
    "build/schema_engine_bg.wasm",
  );
}

let loaded: typeof glue | undefined;

/** Instantiates the engine synchronously (pitfall 6: Node 20 cannot `import` a .wasm file). */
export function loadSchemaEngineWasm(): typeof glue {
  if (loaded) return loaded;
  // The panic hook calls this before aborting (pitfall 5); without it the panic message is lost
  // behind a "cannot read properties of undefined" TypeError.
  Object.assign(globalThis, {
    PRISMA_WASM_PANIC_REGISTRY: {
      set_message(message: string) {
        lastPanicMessage = message;
      },
    },
  });
  const compiled = new WebAssembly.Module(readFileSync(wasmPath()));
  const imports: Record<string, unknown> = glue;
  const missing = WebAssembly.Module.imports(compiled).filter((entry) => !(entry.name in imports));
  if (missing.length > 0) {
    throw new Error(
      `@prisma/schema-engine-wasm glue does not match ${wasmPath()} (missing ${missing
        .slice(0, 3)
        .map((entry) => entry.name)
        .join(", ")}); install the @prisma/schema-engine-wasm version that matches prisma`,
    );
  }
  const instance = new WebAssembly.Instance(compiled, {
    "./schema_engine_bg.js": imports as WebAssembly.ModuleImports,
  });
  glue.__wbg_set_wasm(instance.exports);
  const start = instance.exports.__wbindgen_start;
  if (typeof start === "function") start();
  loaded = glue;
  return glue;
}
