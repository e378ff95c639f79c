import { db } from "@/lib/db";

export type OutboxEmail = { to: string; subject: string; text: string; url?: string };

/** Stores an email that would have been sent, for development, tests and `/dev/outbox`. */
export async function saveToOutbox(email: OutboxEmail): Promise<void> {
  await db.outboxEmail.create({ data: { ...email, to: email.to.toLowerCase() } });
}

export function recentOutboxEmails(limit = 50) {
  return db.outboxEmail.findMany({ orderBy: { createdAt: "desc" }, take: limit });
}
