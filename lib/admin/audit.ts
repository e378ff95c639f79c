import { db } from "@/lib/db";
import type { AdminAuditLog } from "@/lib/generated/prisma/client";

/**
 * The admin audit log: one row per admin action (who, what, on what, when), written before the
 * action returns and never edited. Shown on /admin/billing.
 */

const MAX_DETAIL_LENGTH = 2_000;

export async function recordAdminAction(
  actorEmail: string,
  action: string,
  target?: string | null,
  detail?: string | null,
): Promise<AdminAuditLog> {
  return db.adminAuditLog.create({
    data: {
      actorEmail,
      action,
      target: target ?? null,
      detail: detail ? detail.slice(0, MAX_DETAIL_LENGTH) : null,
    },
  });
}

/** The newest actions first. */
export function recentAdminActions(limit = 20): Promise<AdminAuditLog[]> {
  return db.adminAuditLog.findMany({
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: Math.max(1, Math.min(limit, 200)),
  });
}
