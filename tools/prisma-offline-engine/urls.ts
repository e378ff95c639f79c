/** Helpers for Postgres connection URLs. Never print a URL without `redactUrl`. */

/** Prisma-only query parameters that libpq / node-postgres do not understand. */
const PRISMA_PARAMS = [
  "schema",
  "connection_limit",
  "pool_timeout",
  "pgbouncer",
  "statement_cache_size",
];

export function toPgConnectionString(url: string): string {
  const parsed = new URL(url);
  for (const name of PRISMA_PARAMS) parsed.searchParams.delete(name);
  return parsed.toString();
}

export function schemaOf(url: string): string | undefined {
  return new URL(url).searchParams.get("schema") ?? undefined;
}

export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1)) || "postgres";
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** `host:port` as Prisma's error messages show it. */
export function serverOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || "5432"}`;
}

export function userOf(url: string): string {
  return decodeURIComponent(new URL(url).username);
}

/** Replaces the password in every URL inside `text`. */
export function redactUrl(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:@/\s]*:)[^@\s]*@/gi, "$1***@");
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
