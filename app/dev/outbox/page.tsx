import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { recentOutboxEmails } from "@/lib/email/outbox";
import { env } from "@/lib/env";

export const metadata: Metadata = { title: "Outbox (development)" };
export const dynamic = "force-dynamic";

/** Development only: the emails the app would have sent (a 404 in production builds). */
export default async function OutboxPage() {
  if (env.NODE_ENV === "production") notFound();
  const emails = await recentOutboxEmails();
  return (
    <section>
      <h1 className="text-2xl font-semibold">Outbox</h1>
      <p className="mt-2 text-sm text-slate-600">
        No SMTP server is configured, so emails land here instead of being sent.
      </p>
      {emails.length === 0 ? (
        <p className="mt-6 text-slate-500">No emails yet.</p>
      ) : (
        <ul className="mt-6 space-y-3">
          {emails.map((email) => (
            <li key={email.id} className="rounded-lg border border-slate-200 bg-white p-4">
              <p className="text-sm text-slate-500">
                {email.createdAt.toISOString()} · to {email.to}
              </p>
              <p className="font-medium">{email.subject}</p>
              {email.url && (
                <a
                  href={email.url}
                  className="mt-2 inline-block break-all text-sm text-blue-700 underline"
                >
                  {email.url}
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
