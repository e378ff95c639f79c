/**
 * `npm run db:migrate [-- --name what_changed]`: `prisma migrate dev` (creates a migration from
 * schema changes and applies it to the development database), then `prisma generate`, which
 * Prisma 7's `migrate dev` no longer runs: without it the app keeps the old client's types.
 */
import { binPath, exitCode, runNode } from "./lib/processes";
import { loadScriptEnv, requireServices } from "./lib/script-env";

loadScriptEnv();
requireServices("npm run db:migrate", ["database"]);

const prisma = binPath("prisma", "build/index.js");
const migrated = await exitCode(runNode(prisma, ["migrate", "dev", ...process.argv.slice(2)], {}));
if (migrated !== 0) process.exit(migrated);
process.exit(await exitCode(runNode(prisma, ["generate"], {})));
