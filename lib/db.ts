import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";

// One client, so one pool, per process. Next bundles pages, route handlers and Server Actions
// separately, each with its own copy of this module, and the dev server re-evaluates modules on
// every edit: the instance lives on globalThis so every copy shares it, in production too.
const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };

export const db = (globalForPrisma.prisma ??= new PrismaClient({
  adapter: new PrismaPg({
    connectionString: env.DATABASE_URL,
    max: env.DATABASE_POOL_SIZE,
    // A query waiting this long for a connection fails instead of hanging the request forever.
    connectionTimeoutMillis: 10_000,
  }),
}));
