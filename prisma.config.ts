import { defineConfig } from "prisma/config";
import { devServicesFile, loadDevServices } from "./scripts/lib/dev-services";
import { selectOfflineSchemaEngineIfNeeded } from "./tools/prisma-offline-engine/select";

// Prisma's CLI downloads a native schema engine on first use; where that host is unreachable we
// point it at the project's WebAssembly bridge instead (announced in one line).
selectOfflineSchemaEngineIfNeeded();

// Next to `npm run dev` (`npx prisma migrate status`, `npm run db:migrate`): its database.
loadDevServices();

// Commands that need no database (generate runs on every install).
const OFFLINE_COMMANDS = new Set(["generate", "format", "validate", "version", "init"]);
// The direct URL first: Vercel's Neon integration names it DATABASE_URL_UNPOOLED.
const url =
  process.env.DATABASE_URL_UNPOOLED ?? process.env.DIRECT_DATABASE_URL ?? process.env.DATABASE_URL;
const command = process.argv.slice(2).find((arg) => !arg.startsWith("-"));
if (!url && command && !OFFLINE_COMMANDS.has(command)) {
  console.error(
    `prisma: no database. Start \`npm run dev\` in another terminal (it writes ` +
      `${devServicesFile()}), or set DATABASE_URL (DATABASE_URL_UNPOOLED behind a pooler).`,
  );
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    // Migrations take a session-level advisory lock, which a transaction-mode pooler does not
    // carry: behind one, DATABASE_URL_UNPOOLED (or DIRECT_DATABASE_URL) is the direct URL. `prisma generate` needs no
    // database; a placeholder keeps it working without either.
    url: url ?? "postgresql://placeholder@localhost:5432/placeholder",
  },
});
