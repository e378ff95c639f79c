/**
 * The reference of a failed request, and its one log line.
 *
 * The reference is Next's `error.digest`: the error page shows it (app/error.tsx) and the server's
 * log line names it, so a customer's "reference 1234567890" finds its line. Next derives it from
 * the error, so the same failure in the same place keeps the same reference.
 *
 * Next itself prints every failed request's error with its whole stack (`⨯ Error: …`, 20-odd lines
 * for an unreachable database) around calling `onRequestError`. In production
 * `quietNextErrorDumps()` (instrumentation.ts) turns that into the one line `logRequestError`
 * writes: a dump whose error `onRequestError` reported is dropped, any other becomes one line.
 */

const PREFIX = "[request-error]";

/** The digest Next stamped on a server error, if any. */
export function errorDigest(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("digest" in error)) return undefined;
  const { digest } = error as { digest?: unknown };
  return typeof digest === "string" && digest !== "" ? digest : undefined;
}

/** Credentials in URLs and Stripe secrets never reach a log line. */
function redact(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]*@/gi, "$1***@")
    .replace(/\b(sk|rk)_(test|live)_[A-Za-z0-9_]+/g, "$1_$2_***")
    .replace(/\bwhsec_[A-Za-z0-9_]+/g, "whsec_***");
}

/** The error in a few words: its class, code and message, on one line, without secrets. */
function describe(error: unknown): string {
  let text: string;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    text = `${error.name}${typeof code === "string" ? ` ${code}` : ""}: ${error.message}`;
  } else {
    text = String(error);
  }
  return redact(text).replace(/\s+/g, " ").trim().slice(0, 300);
}

export type FailedRequest = { method: string; path: string; headers?: unknown };
export type FailureContext = { routePath?: string; routeType?: string };

/**
 * The line for a failed request: reference, method, path (no query string: it can carry sign-in
 * tokens), the route and what went wrong. No stack trace, no headers, no secrets.
 */
export function requestErrorLine(
  error: unknown,
  request: FailedRequest,
  context: FailureContext = {},
): string {
  const pathname = request.path.split("?")[0] || "/";
  const route = context.routePath && context.routePath !== pathname ? ` ${context.routePath}` : "";
  const kind = context.routeType ? ` (${context.routeType})` : "";
  const reference = errorDigest(error) ?? "none";
  return `${PREFIX} ref=${reference} ${request.method} ${pathname}${route}${kind}: ${describe(error)}`;
}

// On globalThis: instrumentation's register() and onRequestError may load separate copies.
type State = {
  reportedErrors: WeakSet<object>;
  reportedPerRequest: WeakMap<object, Set<string>>;
  recentDigests: Map<string, number>;
  quiet?: boolean;
};
const holder = globalThis as { __requestErrorLog?: State };
const state: State = (holder.__requestErrorLog ??= {
  reportedErrors: new WeakSet(),
  reportedPerRequest: new WeakMap(),
  recentDigests: new Map(),
});

const RECENT_MS = 5_000;

function recentlyReported(digest: string | undefined, now = Date.now()): boolean {
  for (const [key, at] of state.recentDigests) {
    if (now - at > RECENT_MS) state.recentDigests.delete(key);
  }
  return digest !== undefined && state.recentDigests.has(digest);
}

/**
 * onRequestError: one line per failed request. A layout and its page failing on the same error
 * (both ask for the signed-in user) are one failure: reported once per request and reference.
 */
export function logRequestError(
  error: unknown,
  request: FailedRequest,
  context: FailureContext = {},
  write: (line: string) => void = (line) => console.error(line),
): void {
  const digest = errorDigest(error);
  if (typeof error === "object" && error !== null) {
    if (state.reportedErrors.has(error)) return;
    state.reportedErrors.add(error);
  }
  if (digest && typeof request.headers === "object" && request.headers !== null) {
    const seen = state.reportedPerRequest.get(request.headers) ?? new Set<string>();
    if (seen.has(digest)) return;
    seen.add(digest);
    state.reportedPerRequest.set(request.headers, seen);
  }
  if (digest) state.recentDigests.set(digest, Date.now());
  write(requestErrorLine(error, request, context));
}

/**
 * Production only: Next's own dump of a failed request's error (`console.error("⨯", error)`) is
 * dropped when onRequestError reported that error (before or within a second after), and
 * otherwise written as one line. Every other console.error call is untouched.
 */
export function quietNextErrorDumps(): void {
  if (state.quiet) return;
  state.quiet = true;
  const original = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    const [prefix, error] = args;
    const isNextDump =
      args.length === 2 &&
      typeof prefix === "string" &&
      prefix.includes("⨯") &&
      typeof error === "object" &&
      error !== null &&
      "stack" in error;
    if (!isNextDump) {
      original(...args);
      return;
    }
    const reported = () => state.reportedErrors.has(error) || recentlyReported(errorDigest(error));
    if (reported()) return;
    setTimeout(() => {
      if (!reported())
        original(`${PREFIX} ref=${errorDigest(error) ?? "none"}: ${describe(error)}`);
    }, 1_000).unref();
  };
}
