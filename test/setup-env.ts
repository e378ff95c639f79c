import { inject } from "vitest";

// Runs in each test worker before the test file is imported, so lib/env sees a valid database.
process.env.DATABASE_URL = inject("databaseUrl");
