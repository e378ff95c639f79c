import http, { type IncomingHttpHeaders } from "node:http";

/** A small keep-alive HTTP/1.1 client for loopback load, and a bounded load runner. */

export type HttpResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** From the request being issued to the last byte of the body. */
  ms: number;
};

export type RequestInit = {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: Buffer;
  timeoutMs?: number;
};

export class HttpClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly base: URL,
    maxSockets: number,
  ) {
    if (!["127.0.0.1", "localhost", "[::1]"].includes(base.hostname)) {
      throw new Error(`the benchmark only talks to loopback, not ${base.hostname}`);
    }
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  request(path: string, init: RequestInit = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.body) headers["content-length"] = String(init.body.length);
    return new Promise((resolve, reject) => {
      const startedAt = performance.now();
      const req = http.request(
        {
          agent: this.agent,
          host: this.base.hostname.replace(/^\[|\]$/g, ""),
          port: this.base.port,
          path,
          method: init.method ?? "GET",
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString("utf8"),
              ms: performance.now() - startedAt,
            }),
          );
        },
      );
      req.setTimeout(init.timeoutMs ?? 30_000, () => {
        req.destroy(new Error(`no answer within ${init.timeoutMs ?? 30_000} ms`));
      });
      req.on("error", reject);
      req.end(init.body);
    });
  }

  /** Closes the kept-alive sockets (the server closes idle ones after a few seconds anyway). */
  close(): void {
    this.agent.destroy();
  }
}

export type Outcome = { ok: boolean; ms: number; status: number | string; error?: string };

export type LoadStats = {
  planned: number;
  sent: number;
  ok: number;
  /** Non-2xx answers and failed requests. */
  errors: number;
  statuses: Record<string, number>;
  errorSamples: string[];
  wallMs: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** The deadline stopped the run before every planned request was sent. */
  truncated: boolean;
};

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/**
 * Sends `count` requests with `concurrency` in flight, never starting one after `deadlineMs` (from
 * the start). `send(i)` does request i and reports its outcome.
 */
export async function runLoad(options: {
  count: number;
  concurrency: number;
  deadlineMs: number;
  send: (index: number) => Promise<Outcome>;
}): Promise<LoadStats> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  let next = 0;
  let ok = 0;
  let errors = 0;
  const startedAt = performance.now();
  const stopAt = startedAt + options.deadlineMs;

  const worker = async () => {
    while (next < options.count && performance.now() < stopAt) {
      const index = next++;
      let outcome: Outcome;
      try {
        outcome = await options.send(index);
      } catch (error) {
        outcome = {
          ok: false,
          ms: Number.NaN,
          status: "error",
          error: error instanceof Error ? error.message : String(error),
        };
      }
      if (Number.isFinite(outcome.ms)) latencies.push(outcome.ms);
      const key = String(outcome.status);
      statuses[key] = (statuses[key] ?? 0) + 1;
      if (outcome.ok) ok++;
      else {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(`${key}: ${outcome.error ?? ""}`.trim());
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  const wallMs = performance.now() - startedAt;
  latencies.sort((a, b) => a - b);
  const sent = ok + errors;
  return {
    planned: options.count,
    sent,
    ok,
    errors,
    statuses,
    errorSamples,
    wallMs,
    rps: wallMs > 0 ? (sent / wallMs) * 1000 : 0,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    truncated: sent < options.count,
  };
}
