import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * Transaction-scoped Postgres advisory locks. The two-key form keeps the namespaces apart: a user id
 * and a customer id can never contend by accident. Released automatically at commit or rollback.
 */
export const LOCK_NAMESPACE = {
  customerCreate: 0x42_43_01,
  customerSync: 0x42_43_02,
  checkoutCreate: 0x42_43_03,
} as const;

export async function lockForTransaction(
  tx: Prisma.TransactionClient,
  namespace: keyof typeof LOCK_NAMESPACE,
  key: string,
): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE[namespace]}::int, hashtext(${key}))`;
}
