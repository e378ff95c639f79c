import pg from "pg";
import { logLine } from "./log";
import {
  databaseOf,
  quoteIdentifier,
  serverOf,
  toPgConnectionString,
  userOf,
  withDatabase,
} from "./urls";

/** A failure the CLI understands: `error_code` is shown to the user or acted upon (P1003). */
export class KnownError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

function pgErrorCode(error: unknown): string | undefined {
  return typeof error === "object" &&
    error !== null &&
    "code" in error &&
    typeof error.code === "string"
    ? error.code
    : undefined;
}

/** Maps connection failures to the codes the native engine reports. */
export function toKnownError(error: unknown, url: string): unknown {
  const server = serverOf(url);
  switch (pgErrorCode(error)) {
    case "3D000":
      return new KnownError(
        "P1003",
        `Database \`${databaseOf(url)}\` does not exist on the database server at \`${server}\`.`,
      );
    case "28P01":
    case "28000":
      return new KnownError(
        "P1000",
        `Authentication failed against database server at \`${server}\`, the provided database credentials for \`${userOf(url)}\` are not valid.`,
      );
    case "42P04":
      return new KnownError(
        "P1009",
        `Database \`${databaseOf(url)}\` already exists on the database server at \`${server}\``,
      );
    case "42501":
      return new KnownError(
        "P1010",
        `User was denied access on the database \`${databaseOf(url)}\``,
      );
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
      return new KnownError(
        "P1001",
        `Can't reach database server at \`${server}\`\n\nPlease make sure your database server is running at \`${server}\`.`,
      );
    default:
      return error;
  }
}

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: toPgConnectionString(url) });
  try {
    await client.connect();
    return await run(client);
  } catch (error) {
    throw toKnownError(error, url);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs `run` connected to a maintenance database of the server (`postgres`, else `template1`). */
async function onMaintenanceDatabase<T>(
  url: string,
  run: (client: pg.Client) => Promise<T>,
): Promise<T> {
  try {
    return await withClient(withDatabase(url, "postgres"), run);
  } catch (error) {
    if (!(error instanceof KnownError && error.errorCode === "P1003")) throw error;
    return withClient(withDatabase(url, "template1"), run);
  }
}

export async function canConnectToDatabase(url: string): Promise<void> {
  await withClient(url, (client) => client.query("SELECT 1"));
}

export async function createDatabase(url: string): Promise<string> {
  const name = databaseOf(url);
  await onMaintenanceDatabase(url, async (client) => {
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    } catch (error) {
      throw toKnownError(error, url);
    }
  });
  return name;
}

export async function dropDatabase(url: string): Promise<void> {
  const name = databaseOf(url);
  await onMaintenanceDatabase(url, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`),
  );
}

const COMMANDS: Record<string, (url: string) => Promise<unknown>> = {
  "can-connect-to-database": canConnectToDatabase,
  "create-database": createDatabase,
  "drop-database": dropDatabase,
};

/** `schema-engine --datasource <json> cli <command>`: exit code 0 on success. */
export async function runCliCommand(command: string, url: string | undefined): Promise<number> {
  // The CLI drops the first stderr line before parsing the rest as JSON, as with the native engine.
  logLine("INFO", `Starting schema engine CLI (offline WebAssembly bridge): ${command}`);
  const run = COMMANDS[command];
  try {
    if (!run) throw new Error(`Unknown cli command: ${command}`);
    if (!url) throw new KnownError("P1012", "No datasource URL was given to the schema engine");
    await run(url);
    return 0;
  } catch (error) {
    const known = error instanceof KnownError ? error : undefined;
    logLine(
      "ERROR",
      error instanceof Error ? error.message : String(error),
      known ? { error_code: known.errorCode } : {},
    );
    return 1;
  }
}
