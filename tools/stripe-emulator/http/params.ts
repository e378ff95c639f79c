/** Typed accessors over parsed form params; they throw Stripe's parameter errors. */
import { ApiError, invalid, missing, unknownParam } from "./errors";
import type { FormObject, FormValue } from "./form";

export type Params = FormObject;

export function str(p: Params, key: string, path = key): string | undefined {
  const v = p[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw invalid(path, `Invalid string: ${path}`);
  return v;
}

export function reqStr(p: Params, key: string, path = key): string {
  const v = str(p, key, path);
  if (v === undefined || v === "") throw missing(path);
  return v;
}

export function int(p: Params, key: string, path = key): number | undefined {
  const v = str(p, key, path);
  if (v === undefined || v === "") return undefined;
  if (!/^-?\d+$/.test(v)) {
    // Stripe's documented code for this one (schema/check-params.ts uses it too).
    throw new ApiError(
      400,
      "invalid_request_error",
      `Invalid integer: ${v}`,
      "parameter_invalid_integer",
      path,
    );
  }
  return Number(v);
}

export function bool(p: Params, key: string, path = key): boolean | undefined {
  const v = str(p, key, path);
  if (v === undefined || v === "") return undefined;
  if (v !== "true" && v !== "false") throw invalid(path, `Invalid boolean: ${v}`);
  return v === "true";
}

export function oneOf<T extends string>(
  p: Params,
  key: string,
  allowed: readonly T[],
  path = key,
): T | undefined {
  const v = str(p, key, path);
  if (v === undefined || v === "") return undefined;
  const found = allowed.find((a) => a === v);
  if (!found) throw invalid(path, `Invalid ${path}: must be one of ${allowed.join(", ")}`);
  return found;
}

export function obj(p: Params, key: string, path = key): Params | undefined {
  const v = p[key];
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw invalid(path, `Invalid hash: ${path}`);
  return v;
}

export function arr(p: Params, key: string, path = key): FormValue[] | undefined {
  const v = p[key];
  if (v === undefined || v === "") return undefined;
  if (Array.isArray(v)) return v;
  // A lone `key=value` is accepted as a one-element array, like Stripe does for expand.
  if (typeof v === "string") return [v];
  throw invalid(path, `Invalid array: ${path}`);
}

export function strArr(p: Params, key: string, path = key): string[] | undefined {
  const a = arr(p, key, path);
  if (!a) return undefined;
  return a.map((v, i) => {
    if (typeof v !== "string") throw invalid(`${path}[${i}]`);
    return v;
  });
}

export function objArr(p: Params, key: string, path = key): Params[] | undefined {
  const a = arr(p, key, path);
  if (!a) return undefined;
  return a.map((v, i) => {
    if (typeof v !== "object" || Array.isArray(v)) throw invalid(`${path}[${i}]`);
    return v;
  });
}

/** Stripe metadata semantics: `key=""` deletes a key, `metadata=""` clears all. */
export function applyMetadata(
  current: Record<string, string> | null,
  p: Params,
  key = "metadata",
): Record<string, string> {
  const raw = p[key];
  const base = { ...(current ?? {}) };
  if (raw === undefined) return base;
  if (raw === "") return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw invalid(key);
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== "string") throw invalid(`${key}[${k}]`);
    if (v === "") delete base[k];
    else base[k] = v;
  }
  return base;
}

/** Rejects unknown top-level params, like Stripe's `parameter_unknown`. */
export function allowOnly(p: Params, allowed: readonly string[]): void {
  const always = ["expand"];
  for (const k of Object.keys(p)) {
    if (!allowed.includes(k) && !always.includes(k)) {
      throw unknownParam(k);
    }
  }
}
