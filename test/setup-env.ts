import { inject } from "vitest";

// Runs in each test worker before the test file is imported, so lib/env sees a valid database.
// With TEST_DATABASE_POOLER=pgbouncer this is PgBouncer's URL; inject("directDatabaseUrl") is not.
process.env.DATABASE_URL = inject("databaseUrl");
