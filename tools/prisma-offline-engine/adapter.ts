import { PrismaPg } from "@prisma/adapter-pg";
import {
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlQueryable,
  type Transaction,
} from "@prisma/driver-adapter-utils";
import { createShadowDatabase } from "./shadow";
import { schemaOf, toPgConnectionString } from "./urls";

/** Postgres `"char"` (single byte, e.g. `pg_class.relkind`), which adapter-pg cannot map. */
const CHAR_OID = 18;
const TEXT_OID = 25;

type PerformIO = (query: SqlQuery) => Promise<unknown>;

/** Result columns of type `"char"` per query object, noted by performIO for queryRaw. */
const charColumns = new WeakMap<SqlQuery, number[]>();

function hasPerformIO(value: object): value is { performIO: PerformIO } {
  return typeof (value as { performIO?: unknown }).performIO === "function";
}

/** Rewrites `"char"` fields to text in a pg result (or multi-statement result list). */
function noteCharColumns(query: SqlQuery, result: unknown): void {
  const fields =
    typeof result === "object" && result !== null && "fields" in result ? result.fields : undefined;
  if (!Array.isArray(fields)) return;
  const indexes: number[] = [];
  fields.forEach((field: unknown, index) => {
    if (typeof field === "object" && field !== null && "dataTypeID" in field) {
      if (field.dataTypeID === CHAR_OID) {
        Object.assign(field, { dataTypeID: TEXT_OID });
        indexes.push(index);
      }
    }
  });
  if (indexes.length > 0) charColumns.set(query, indexes);
}

/**
 * Pitfall 1: adapter-pg throws "Unsupported column type char" for OID 18, which the engine's
 * catalog queries return (relkind, contype, ...), and the engine wants them as `Character`.
 * Its private performIO hands us the raw pg result before the type mapping, so we relabel the
 * field as text there and restore `Character` on queryRaw's result. Keyed by the query object, so
 * concurrent queries cannot mix up their notes.
 */
function patchQueryable<T extends SqlQueryable>(queryable: T): T & { performIO: PerformIO } {
  if (!hasPerformIO(queryable)) {
    throw new Error(
      "@prisma/adapter-pg internals changed (no performIO); update the offline engine",
    );
  }
  const performIO = queryable.performIO.bind(queryable);
  queryable.performIO = async (query) => {
    const result = await performIO(query);
    for (const part of Array.isArray(result) ? result : [result]) noteCharColumns(query, part);
    return result;
  };
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const resultSet = await queryRaw(query);
    for (const index of charColumns.get(query) ?? []) {
      resultSet.columnTypes[index] = ColumnTypeEnum.Character;
    }
    return resultSet;
  };
  return queryable;
}

function patchAdapter(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const patched = patchQueryable(adapter);
  // Pitfall 2: adapter-pg's executeScript splits on every `;`, breaking `$$` function bodies and
  // `';'` literals. Send the script as one simple-protocol query, as the native engine does.
  patched.executeScript = async (script) => {
    await patched.performIO({ sql: script, args: [], argTypes: [] });
  };
  const startTransaction = patched.startTransaction.bind(patched);
  patched.startTransaction = async (isolationLevel): Promise<Transaction> =>
    patchQueryable(await startTransaction(isolationLevel));
  return patched;
}

export async function connectAdapter(url: string): Promise<SqlDriverAdapter> {
  // `?schema=` is Prisma's own parameter: the adapter takes it as an option instead.
  const schema = schemaOf(url);
  const factory = new PrismaPg(
    { connectionString: toPgConnectionString(url) },
    schema ? { schema } : undefined,
  );
  return patchAdapter(await factory.connect());
}

export type Datasource = { url?: string; shadowDatabaseUrl?: string };

/** The migration-aware adapter factory handed to the wasm engine. */
export function createAdapterFactory(
  datasource: Datasource,
): SqlMigrationAwareDriverAdapterFactory {
  const requireUrl = (): string => {
    if (!datasource.url) throw new Error("No datasource URL was given to the schema engine");
    return datasource.url;
  };
  return {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    connect: () => connectAdapter(requireUrl()),
    async connectToShadowDb() {
      // Pitfall 3: adapter-pg's own connectToShadowDb keeps the main connectionString (which wins
      // over its `database` override), so the "shadow" replay would run on the main database.
      if (datasource.shadowDatabaseUrl) return connectAdapter(datasource.shadowDatabaseUrl);
      const shadow = await createShadowDatabase(requireUrl());
      const adapter = await connectAdapter(shadow.url);
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        try {
          await dispose();
        } finally {
          // Only after the pool has closed: Postgres refuses to drop a database in use.
          await shadow.drop();
        }
      };
      return adapter;
    },
  };
}
