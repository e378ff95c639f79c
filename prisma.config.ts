import { defineConfig } from "prisma/config";
import { selectOfflineSchemaEngineIfNeeded } from "./tools/prisma-offline-engine/select";

// Prisma's CLI downloads a native schema engine on first use; where that host is unreachable we
// point it at the project's WebAssembly bridge instead (announced in one line).
selectOfflineSchemaEngineIfNeeded();

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    // `prisma generate` needs no database; a placeholder keeps it working without DATABASE_URL.
    url: process.env.DATABASE_URL ?? "postgresql://placeholder@localhost:5432/placeholder",
  },
});
