/**
 * Request validation derived from the SDK's params types: walks a parsed form body / query string
 * (http/form.ts) against the generated schema and refuses it like Stripe does, naming the full
 * bracket path (`items[0][foo]`, `features[subscription_cancel][mode]`).
 */
import { ApiError, invalid, missing, unknownParam } from "../http/errors";
import type { FormObject, FormValue } from "../http/form";
import { paramsSchema, resolve } from "./index";
import { isObjectSchema, type ObjectSchema, type Schema } from "./types";

const join = (path: string, key: string | number): string => (path ? `${path}[${key}]` : `${key}`);

const describe = (v: FormValue): string =>
  typeof v === "string" ? v : Array.isArray(v) ? "an array" : "a hash";

/** Does the schema accept `""`, Stripe's encoding of null (`Emptyable<T>`, `T | null`)? */
function acceptsEmpty(s: Schema): boolean {
  const r = resolve(s);
  if (r === "null" || r === "any" || r === "string") return true;
  if (typeof r !== "object") return false;
  if ("enum" in r) return r.enum.includes("");
  if ("anyOf" in r) return r.anyOf.some(acceptsEmpty);
  return false;
}

type Shape = "scalar" | "array" | "object";
const shapeOfValue = (v: FormValue): Shape =>
  typeof v === "string" ? "scalar" : Array.isArray(v) ? "array" : "object";

function shapeOfSchema(s: Schema): Shape | "any" {
  const r = resolve(s);
  if (r === "any") return "any";
  if (typeof r === "string") return "scalar";
  if ("enum" in r) return "scalar";
  if ("array" in r) return "array";
  if ("anyOf" in r) return "any";
  return "object";
}

function checkObject(s: ObjectSchema, v: FormValue, path: string, top: boolean): ApiError | null {
  // `metadata[0]=x` parses as an array; for a map its indexes are ordinary keys.
  const value: FormObject | null = Array.isArray(v)
    ? s.values
      ? Object.fromEntries(v.map((x, i) => [String(i), x]))
      : null
    : typeof v === "object"
      ? v
      : null;
  if (!value) return invalid(path, `Invalid hash: ${path}`);
  const optional = new Set(s.optional ?? []);
  for (const [key, child] of Object.entries(value)) {
    const childPath = join(path, key);
    const prop = s.props[key];
    if (prop !== undefined) {
      if (child === "" && optional.has(key)) continue; // "" unsets an optional field
      if (child === "" && !acceptsEmpty(prop)) return missing(childPath);
      const err = check(prop, child, childPath);
      if (err) return err;
    } else if (s.values !== undefined) {
      const err = child === "" ? null : check(s.values, child, childPath);
      if (err) return err;
    } else if (!(top && key === "expand")) {
      return unknownParam(childPath);
    }
  }
  for (const key of Object.keys(s.props)) {
    if (!optional.has(key) && value[key] === undefined) return missing(join(path, key));
  }
  return null;
}

function checkScalar(s: Schema, v: FormValue, path: string): ApiError | null {
  if (typeof v !== "string") {
    return invalid(
      path,
      `Invalid ${typeof s === "string" ? s : "value"}: ${path} is ${describe(v)}`,
    );
  }
  switch (s) {
    case "any":
    case "string":
      return null;
    case "null":
      return v === "" ? null : invalid(path);
    case "integer":
      return /^-?\d+$/.test(v)
        ? null
        : new ApiError(
            400,
            "invalid_request_error",
            `Invalid integer: ${v}`,
            "parameter_invalid_integer",
            path,
          );
    case "number":
    case "decimal":
      return /^-?\d+(\.\d+)?$/.test(v) ? null : invalid(path, `Invalid decimal: ${v}`);
    case "boolean":
      return v === "true" || v === "false" ? null : invalid(path, `Invalid boolean: ${v}`);
  }
  if (typeof s === "object" && "enum" in s) {
    return s.enum.some((e) => String(e) === v)
      ? null
      : invalid(path, `Invalid ${path}: must be one of ${s.enum.map(String).join(", ")}`);
  }
  return null;
}

function check(schema: Schema, v: FormValue, path: string, top = false): ApiError | null {
  const s = resolve(schema);
  if (typeof s === "string" || "enum" in s) return checkScalar(s, v, path);
  if ("array" in s) {
    const items = s.array;
    // A lone `expand=x` counts as a one-element array, as before; hashes never do.
    const list = Array.isArray(v) ? v : typeof v === "string" ? [v] : null;
    if (!list) return invalid(path, `Invalid array: ${path}`);
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      if (item === undefined) continue;
      const err = check(items, item, Array.isArray(v) ? join(path, i) : path);
      if (err) return err;
    }
    return null;
  }
  if ("anyOf" in s) {
    if (v === "" && acceptsEmpty(s)) return null;
    const shape = shapeOfValue(v);
    let best: ApiError | null = null;
    for (const m of s.anyOf) {
      const err = check(m, v, path);
      if (!err) return null;
      const ms = shapeOfSchema(m);
      if (ms !== shape && ms !== "any") continue;
      // The member that got furthest into the value explains the refusal best.
      if (!best || (err.param ?? "").length > (best.param ?? "").length) best = err;
    }
    return best ?? invalid(path, `Invalid value for ${path}: ${describe(v)}`);
  }
  if ("partial" in s) {
    const inner = resolve(s.partial);
    if (!isObjectSchema(inner)) return null;
    return checkObject({ ...inner, optional: Object.keys(inner.props) }, v, path, top);
  }
  return checkObject(s, v, path, top);
}

/** Stripe's refusal of `form` against the SDK's `paramsName` (e.g. `CustomerCreateParams`), or null. */
export function checkParams(paramsName: string, form: FormObject): ApiError | null {
  return check(paramsSchema(paramsName), form, "", true);
}
