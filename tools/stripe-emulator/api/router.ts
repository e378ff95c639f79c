/**
 * The `/v1` route type: a method, a path pattern and the SDK types it speaks. The tables are in
 * api/routes/; matching happens in api/handle.ts.
 */
import type { Ctx } from "../engine/request-context";
import type { Params } from "../http/params";

export type Handler = (ctx: Ctx, p: Params, m: string[]) => unknown;

/**
 * What a route speaks, by SDK type name: `params` (validated before the handler, see
 * schema/check-params.ts) and `returns` (checked by the conformance suite; `A|B` for either).
 * Both must be listed in schema/roots.ts.
 */
export interface RouteSpec {
  params: string;
  returns: string;
}

export interface Route extends RouteSpec {
  method: string;
  re: RegExp;
  /** `"GET /v1/customers/:id"`: the key in request accounting. */
  pattern: string;
  handler: Handler;
}

const id = "([^/]+)";

/** A route under `/v1`; `:id` segments are the handler's `m[1]`, `m[2]`, … */
export function route(method: string, path: string, spec: RouteSpec, handler: Handler): Route {
  return {
    method,
    re: new RegExp(`^/v1${path.replace(/:id/g, id)}$`),
    pattern: `${method} /v1${path}`,
    handler,
    ...spec,
  };
}

/** The `i`th path parameter, decoded. */
export const at = (m: string[], i: number): string => decodeURIComponent(m[i] ?? "");
