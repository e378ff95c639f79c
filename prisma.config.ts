import { defineConfig } from "prisma/config";
import { selectOfflineSchemaEngineIfNeeded } from "./tools/prisma-offline-engine/select";

// Prisma's CLI downloads a native schema engine on first use; where that host is unreachable we
// point it at the project's WebAssembly bridge instead (announced in one line).
selectOfflineSchemaEngineIfNeeded();

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    // Migrations take a session-level advisory lock, which a transaction-mode pooler does not
    // carry: behind one, DIRECT_DATABASE_URL is the unpooled URL. `prisma generate` needs no
    // database; a placeholder keeps it working without either.
    url:
      process.env.DIRECT_DATABASE_URL ??
      process.env.DATABASE_URL ??
      "postgresql://placeholder@localhost:5432/placeholder",
  },
});
