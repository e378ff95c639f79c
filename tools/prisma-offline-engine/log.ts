import { redactUrl } from "./urls";

type Level = "INFO" | "WARN" | "ERROR";

/**
 * One log line on stderr in the native engine's tracing-JSON shape, which the CLI parses
 * (`level`, `target`, `fields.message`, `fields.error_code`).
 */
export function logLine(level: Level, message: string, extra: Record<string, string> = {}): void {
  const line = {
    timestamp: new Date().toISOString(),
    level,
    fields: { message: redactUrl(message), ...extra },
    target: "schema_engine::logger",
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
