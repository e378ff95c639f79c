/**
 * Conformance plumbing: an SDK client whose fetch records every raw response body the emulator
 * sends, and validation of those bodies against the schemas generated from the SDK's types.
 */
import Stripe from "stripe";
import { checkAgainst, checkEvent, checkResponse, type Violation } from "../schema/check-response";
import { apiRoutes } from "../api/routes";

export interface Recorded {
  method: string;
  path: string;
  status: number;
  body: string;
}

export interface Recorder {
  stripe: Stripe;
  calls: Recorded[];
}

/** The official SDK, unchanged, over a fetch that keeps a copy of each response. */
export function recordingSdk(port: number): Recorder {
  const calls: Recorded[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    calls.push({
      method: init?.method ?? "GET",
      path: url.pathname,
      status: res.status,
      body: await res.clone().text(),
    });
    return res;
  };
  const stripe = new Stripe("sk_test_emulator", {
    host: "localhost",
    port,
    protocol: "http",
    maxNetworkRetries: 0,
    httpClient: Stripe.createFetchHttpClient(recordingFetch),
  });
  return { stripe, calls };
}

/** The response schema a route declares (`returns`), by method and path. */
export function returnsOf(method: string, path: string): string | null {
  const r = apiRoutes().find((x) => x.method === method && x.re.test(path));
  return r ? r.returns : null;
}

function checkList(value: unknown, item: (v: unknown) => Violation[]): Violation[] {
  const out: Violation[] = [];
  const envelope = checkAgainst(
    {
      props: {
        object: { enum: ["list"] },
        data: { array: "any" },
        has_more: "boolean",
        url: "string",
      },
    },
    value,
  );
  out.push(...envelope);
  const data = (value as { data?: unknown }).data;
  if (Array.isArray(data)) {
    data.forEach((d, i) =>
      out.push(...item(d).map((v) => ({ path: `data[${i}].${v.path}`, message: v.message }))),
    );
  }
  return out;
}

/** `Customer|DeletedCustomer`: valid if any alternative is; else the closest one's violations. */
export function checkReturns(returns: string, value: unknown): Violation[] {
  if (returns === "Event") return checkEvent(value as { type?: unknown });
  if (returns === "ApiList<Event>")
    return checkList(value, (e) => checkEvent(e as { type?: unknown }));
  let best: Violation[] | null = null;
  for (const name of returns.split("|")) {
    const found = checkResponse(name, value);
    if (found.length === 0) return [];
    if (!best || found.length < best.length) best = found;
  }
  return best ?? [];
}

export interface Verdict {
  call: string;
  schema: string;
  violations: Violation[];
}

/** Every 2xx body recorded, validated against the schema its route returns. */
export function verdicts(calls: Recorded[]): Verdict[] {
  return calls
    .filter((c) => c.status >= 200 && c.status < 300)
    .map((c) => {
      const schema = returnsOf(c.method, c.path);
      const call = `${c.method} ${c.path}`;
      if (!schema) return { call, schema: "?", violations: [{ path: "", message: "no route" }] };
      return { call, schema, violations: checkReturns(schema, JSON.parse(c.body) as unknown) };
    });
}

export function report(
  title: string,
  items: { name: string; violations: Violation[] }[],
  word = "valid",
): string {
  const bad = items.filter((i) => i.violations.length > 0);
  const lines = [`${title}: ${items.length - bad.length} of ${items.length} ${word}`];
  for (const b of bad) {
    for (const v of b.violations.slice(0, 5)) lines.push(`  ${b.name}: ${v.path}: ${v.message}`);
  }
  return lines.join("\n");
}
