/**
 * Validates a JSON response body or event payload against a generated SDK schema and lists every
 * violation (missing required field, field the SDK type doesn't have, wrong type, value outside a
 * closed enum) with its JSON path.
 */
import { resolve, schemas } from "./index";
import { isObjectSchema, type ObjectSchema, type Schema } from "./types";

export interface Violation {
  path: string;
  message: string;
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? "undefined" : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** Could this member describe a value of this JSON kind at all? Picks the union member to blame. */
function sameKind(s: Schema, v: unknown): boolean {
  const r = resolve(s);
  const k = kindOf(v);
  if (r === "any") return true;
  if (typeof r === "string") {
    if (r === "integer" || r === "number") return k === "number";
    if (r === "decimal") return k === "string";
    return r === k;
  }
  if ("enum" in r) return r.enum.some((e) => typeof e === k);
  if ("array" in r) return k === "array";
  if ("anyOf" in r) return r.anyOf.some((m) => sameKind(m, v));
  return k === "object";
}

function checkObject(s: ObjectSchema, v: unknown, path: string, out: Violation[]): void {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    out.push({ path, message: `expected an object, got ${show(v)}` });
    return;
  }
  const rec = v as Record<string, unknown>;
  const optional = new Set(s.optional ?? []);
  for (const [key, child] of Object.entries(rec)) {
    const p = path ? `${path}.${key}` : key;
    const prop = s.props[key];
    if (prop !== undefined) check(prop, child, p, out);
    else if (s.values !== undefined) check(s.values, child, p, out);
    else out.push({ path: p, message: "not a field of the SDK type" });
  }
  for (const key of Object.keys(s.props)) {
    if (!optional.has(key) && !(key in rec))
      out.push({ path: path ? `${path}.${key}` : key, message: "required field missing" });
  }
}

function check(schema: Schema, v: unknown, path: string, out: Violation[]): void {
  const s = resolve(schema);
  const here = path || "(root)";
  switch (s) {
    case "any":
      return;
    case "string":
    case "boolean":
    case "null":
      if (kindOf(v) !== s) out.push({ path: here, message: `expected ${s}, got ${show(v)}` });
      return;
    case "integer":
      if (!Number.isInteger(v))
        out.push({ path: here, message: `expected integer, got ${show(v)}` });
      return;
    case "number":
      if (typeof v !== "number")
        out.push({ path: here, message: `expected number, got ${show(v)}` });
      return;
    case "decimal":
      if (typeof v !== "string" || !/^-?\d+(\.\d+)?$/.test(v))
        out.push({ path: here, message: `expected a decimal string, got ${show(v)}` });
      return;
  }
  if ("enum" in s) {
    if (!s.enum.some((e) => e === v))
      out.push({
        path: here,
        message: `${show(v)} is not one of ${s.enum.map(String).join(", ")}`,
      });
    return;
  }
  if ("array" in s) {
    if (!Array.isArray(v)) out.push({ path: here, message: `expected an array, got ${show(v)}` });
    else v.forEach((item, i) => check(s.array, item, `${path}[${i}]`, out));
    return;
  }
  if ("anyOf" in s) {
    let best: Violation[] | null = null;
    for (const m of s.anyOf) {
      const found: Violation[] = [];
      check(m, v, path, found);
      if (found.length === 0) return;
      if (sameKind(m, v) && (!best || found.length < best.length)) best = found;
    }
    out.push(...(best ?? [{ path: here, message: `${show(v)} matches no member of the union` }]));
    return;
  }
  if ("partial" in s) {
    const inner = resolve(s.partial);
    if (isObjectSchema(inner))
      checkObject({ ...inner, optional: Object.keys(inner.props) }, v, path, out);
    return;
  }
  checkObject(s, v, path, out);
}

export function checkAgainst(schema: Schema, value: unknown): Violation[] {
  const out: Violation[] = [];
  check(schema, value, "", out);
  return out;
}

/** Violations of a served object, by SDK name (`Customer`, `Checkout.Session`, `ApiList<Price>`). */
export function checkResponse(name: string, value: unknown): Violation[] {
  const s = schemas().responses[name];
  if (!s) return [{ path: "(root)", message: `no response schema named ${name}` }];
  return checkAgainst(s, value);
}

/** Violations of an event (envelope and `data.object`) against the SDK's type for its `type`. */
export function checkEvent(event: { type?: unknown }): Violation[] {
  const type = typeof event.type === "string" ? event.type : "";
  const s = schemas().events[type];
  if (!s) return [{ path: "type", message: `no SDK event schema for ${show(event.type)}` }];
  return checkAgainst(s, event);
}
