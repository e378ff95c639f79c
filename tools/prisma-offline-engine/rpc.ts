import { createInterface } from "node:readline";
import { errorMessage } from "./log";
import { redactUrl } from "./urls";

/** JSON-RPC error code the Prisma CLI expects for engine errors. */
export const ENGINE_ERROR_CODE = 4466;

export type EngineErrorData = {
  is_panic: boolean;
  message: string;
  error_code?: string;
  meta?: unknown;
};

/** An error to send back with its engine payload (user-facing code, panic flag). */
export class EngineError extends Error {
  constructor(readonly data: EngineErrorData) {
    super(data.message);
  }
}

type Id = number | string;
type Message = { id?: Id; method?: string; params?: unknown; result?: unknown; error?: unknown };
export type Handler = (method: string, params: unknown, peer: Peer) => Promise<unknown>;

/** The CLI end of the connection, for engine-to-CLI requests such as `print`. */
export type Peer = { request(method: string, params: unknown): Promise<unknown> };

function write(message: object): void {
  process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
}

function isMessage(value: unknown): value is Message {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toErrorData(error: unknown): EngineErrorData {
  if (error instanceof EngineError)
    return { ...error.data, message: redactUrl(error.data.message) };
  return { is_panic: false, message: redactUrl(errorMessage(error)) };
}

function writeError(id: Id, error: unknown): void {
  const data = toErrorData(error);
  // The CLI shows a panic's top-level message; other errors are read from `data`.
  const message = data.is_panic
    ? data.message
    : "An error happened. Check the data field for details.";
  write({ id, error: { code: ENGINE_ERROR_CODE, message, data } });
}

export type Server = {
  /** Resolves when stdin closes (the CLI's way of stopping the engine) and work has finished. */
  done: Promise<void>;
  /** Answers the request in progress with `error` (used when the wasm aborts outside a call). */
  failInFlight(error: unknown): void;
};

/**
 * Line-delimited JSON-RPC 2.0 over stdin/stdout, like the native engine. Requests run one at a
 * time: the CLI sends them sequentially, and the wasm engine must not be re-entered.
 */
export function serve(handle: Handler): Server {
  let inFlight: Id | undefined;
  const pending = new Map<Id, (message: Message) => void>();
  let nextId = 1;
  const peer: Peer = {
    request(method, params) {
      const id = `engine-${nextId++}`;
      return new Promise((resolve, reject) => {
        pending.set(id, (reply) =>
          reply.error === undefined
            ? resolve(reply.result)
            : reject(new Error(JSON.stringify(reply.error))),
        );
        write({ id, method, params });
      });
    },
  };

  let queue = Promise.resolve();
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
  input.on("line", (line) => {
    if (line.trim() === "") return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      write({ id: null, error: { code: -32700, message: "Parse error" } });
      return;
    }
    if (!isMessage(message)) return;
    const { id, method } = message;
    if (method === undefined) {
      // A reply to one of our own requests; handled immediately (the current request awaits it).
      if (id !== undefined) pending.get(id)?.(message);
      if (id !== undefined) pending.delete(id);
      return;
    }
    queue = queue.then(async () => {
      inFlight = id;
      try {
        const result = await handle(method, message.params, peer);
        if (id !== undefined) write({ id, result: result ?? null });
      } catch (error) {
        if (id !== undefined) writeError(id, error);
      } finally {
        inFlight = undefined;
      }
    });
  });
  return {
    done: new Promise((resolve) => input.on("close", () => void queue.then(resolve))),
    failInFlight(error) {
      if (inFlight !== undefined) writeError(inFlight, error);
      inFlight = undefined;
    },
  };
}
