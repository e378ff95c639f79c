import { db } from "@/lib/db";

export type OutboxEmail = {
  to: string;
  subject: string;
  text: string;
  html?: string;
  url?: string;
};

/** Stores an email that would have been sent, for development, tests and `/dev/outbox`. */
export async function saveToOutbox(email: OutboxEmail): Promise<void> {
  await db.outboxEmail.create({
    data: {
      to: email.to.toLowerCase(),
      subject: email.subject,
      text: email.text,
      html: email.html ?? null,
      url: email.url ?? null,
    },
  });
}

export function recentOutboxEmails(limit = 50) {
  return db.outboxEmail.findMany({ orderBy: { createdAt: "desc" }, take: limit });
}
