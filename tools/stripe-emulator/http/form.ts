/** Form/query parsing with Stripe's bracket syntax (`items[0][price]=x`, `expand[]=y`). */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

function splitKey(key: string): string[] {
  const first = key.indexOf("[");
  if (first < 0) return [key];
  const parts = [key.slice(0, first)];
  const re = /\[([^\]]*)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(key.slice(first))) !== null) parts.push(m[1] ?? "");
  return parts;
}

const AUTO = Symbol("auto-index");
type Building = { [key: string]: Building | string; [AUTO]?: number };

/** Objects whose keys are all integers become arrays (`items[0]`, `expand[]`). */
function finalize(v: Building | string): FormValue {
  if (typeof v === "string") return v;
  const keys = Object.keys(v);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((k) => finalize(v[String(k)] as Building | string));
  }
  const out: FormObject = {};
  for (const k of keys) out[k] = finalize(v[k] as Building | string);
  return out;
}

export function parseForm(body: string): FormObject {
  const root: Building = {};
  if (!body) return {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = splitKey(rawKey);
    let node: Building = root;
    for (let i = 0; i < parts.length; i++) {
      let part = parts[i] ?? "";
      if (part === "") {
        // `[]` appends: give it the next free integer index on this node.
        const next = node[AUTO] ?? Object.keys(node).length;
        node[AUTO] = next + 1;
        part = String(next);
      }
      if (i === parts.length - 1) {
        node[part] = value;
      } else {
        const existing = node[part];
        if (typeof existing === "object") node = existing;
        else {
          const child: Building = {};
          node[part] = child;
          node = child;
        }
      }
    }
  }
  const out = finalize(root);
  return typeof out === "object" && !Array.isArray(out) ? out : {};
}

/** JSON control bodies: convert to the same FormObject shape (numbers/booleans as strings). */
export function jsonToForm(value: unknown): FormValue {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(jsonToForm);
  if (typeof value === "object") {
    const out: FormObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonToForm(v);
    return out;
  }
  return String(value);
}
