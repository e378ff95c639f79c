import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../scripts/lib/embedded-postgres";
import { migrateDeploy } from "../scripts/lib/prisma-cli";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/** A throwaway, migrated Postgres for the whole test run: never the developer's dev data. */
export default async function setup(project: TestProject) {
  const pg = await startEmbeddedPostgres();
  await migrateDeploy(pg.url);
  project.provide("databaseUrl", pg.url);
  return () => pg.stop();
}
