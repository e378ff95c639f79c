import type { Datasource } from "./adapter";

export type Args = {
  datamodels: string[];
  datasource: Datasource;
  cli: string[];
  version: boolean;
};

/** The native engine's command line (see the Prisma CLI's SchemaEngine and `cli` helpers). */
export function parseArgs(argv: string[]): Args {
  const args: Args = { datamodels: [], datasource: {}, cli: [], version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--version" || arg === "-V") args.version = true;
    else if (arg === "--datamodels") {
      while (argv[i + 1] !== undefined && !argv[i + 1]?.startsWith("--"))
        args.datamodels.push(argv[++i] ?? "");
    } else if (arg === "--datasource") {
      const parsed: unknown = JSON.parse(argv[++i] ?? "{}");
      if (typeof parsed === "object" && parsed !== null) {
        const url = Reflect.get(parsed, "url");
        const shadow = Reflect.get(parsed, "shadowDatabaseUrl");
        if (typeof url === "string") args.datasource.url = url;
        if (typeof shadow === "string") args.datasource.shadowDatabaseUrl = shadow;
      }
    } else if (arg === "--enabled-preview-features" || arg === "--extension-types") {
      i++; // Accepted for compatibility; the wasm engine takes no such options.
    } else if (arg === "cli") {
      args.cli = argv.slice(i + 1);
      break;
    }
  }
  return args;
}
