/** `expand[]` support: replaces id strings at dotted paths with the full objects. */
import { ApiError } from "./errors";

/** Finds the object behind an id; `field` is the property it sits in (coupon ids have no prefix). */
export type Resolver = (id: string, field: string) => unknown;

/** The id of an expandable field, whether it holds the id or the expanded object. */
export function idOf(ref: string | { id: string }): string;
export function idOf(ref: string | { id: string } | null | undefined): string | null;
export function idOf(ref: string | { id: string } | null | undefined): string | null {
  return typeof ref === "string" ? ref : (ref?.id ?? null);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function expandAt(value: unknown, path: string[], resolve: Resolver): unknown {
  if (Array.isArray(value)) return value.map((v) => expandAt(v, path, resolve));
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (!isRecord(value)) return value;
  let child = value[head];
  const one = (ref: unknown): unknown => {
    if (typeof ref !== "string") return ref;
    const found = resolve(ref, head);
    return found !== undefined ? structuredClone(found) : ref;
  };
  // Lists of ids (`discounts`) expand element by element, like a single id.
  child = Array.isArray(child) ? child.map(one) : one(child);
  if (rest.length > 0) child = expandAt(child, rest, resolve);
  return { ...value, [head]: child };
}

export function applyExpand<T>(value: T, paths: string[], resolve: Resolver): T {
  let out: unknown = value;
  // Shorter paths first so `a.b` expands after `a`.
  const sorted = [...paths].sort((a, b) => a.split(".").length - b.split(".").length);
  for (const path of sorted) out = expandAt(out, path.split("."), resolve);
  // The shape only changes where the SDK types already allow `string | Object`.
  return out as T;
}

/** Stripe expands at most four levels; on a list the `data.` prefix counts as one of them. */
export const MAX_EXPAND_DEPTH = 4;

/** Stripe's refusal of the first path deeper than four levels, checked before anything runs. */
export function expandTooDeep(paths: readonly string[]): ApiError | undefined {
  const deep = paths.find((path) => path.split(".").length > MAX_EXPAND_DEPTH);
  if (deep === undefined) return undefined;
  return new ApiError(
    400,
    "invalid_request_error",
    `You cannot expand more than ${MAX_EXPAND_DEPTH} levels of a property. Property: ${deep}`,
    "property_expansion_max_depth",
    "expand",
  );
}
