/** `expand[]` support: replaces id strings at dotted paths with the full objects. */
export type Resolver = (id: string) => unknown;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function expandAt(value: unknown, path: string[], resolve: Resolver): unknown {
  if (Array.isArray(value)) return value.map((v) => expandAt(v, path, resolve));
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (!isRecord(value)) return value;
  let child = value[head];
  if (typeof child === "string") {
    const found = resolve(child);
    if (found !== undefined) child = structuredClone(found);
  }
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
