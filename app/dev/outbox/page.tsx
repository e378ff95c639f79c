import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Inbox } from "lucide-react";
import { Card, CardContent } from "@/components/ui/card";
import { recentOutboxEmails } from "@/lib/email/outbox";
import { env } from "@/lib/env";

export const metadata: Metadata = { title: "Outbox (development)" };
export const dynamic = "force-dynamic";

/**
 * Development only: the emails the app would have sent (a 404 in production builds). An email's
 * HTML is shown as the customer would see it, in an iframe sandboxed with no permissions at all:
 * no scripts, no forms, no same-origin access to this page (the HTML holds values the app did
 * not write, such as plan names).
 */
export default async function OutboxPage() {
  if (env.NODE_ENV === "production") notFound();
  const emails = await recentOutboxEmails();
  return (
    <section>
      <h1 className="text-2xl font-semibold">Outbox</h1>
      <p className="text-muted-foreground mt-2 text-sm">
        No SMTP server is configured, so emails land here instead of being sent.
      </p>
      {emails.length === 0 ? (
        <p className="text-muted-foreground mt-6 flex items-center gap-2">
          <Inbox className="size-4" aria-hidden="true" />
          No emails yet.
        </p>
      ) : (
        <ul className="mt-6 space-y-3">
          {emails.map((email) => (
            <li key={email.id}>
              <Card className="gap-0 py-4">
                <CardContent className="px-4">
                  <p className="text-muted-foreground text-sm">
                    {email.createdAt.toISOString()} · to {email.to}
                  </p>
                  <p className="font-medium">{email.subject}</p>
                  {email.url && (
                    <a
                      href={email.url}
                      className="text-primary mt-2 inline-block text-sm break-all underline underline-offset-4"
                    >
                      {email.url}
                    </a>
                  )}
                  {email.html && (
                    <iframe
                      sandbox=""
                      srcDoc={email.html}
                      title={`Email: ${email.subject}`}
                      loading="lazy"
                      referrerPolicy="no-referrer"
                      className="mt-3 h-[28rem] w-full rounded-md border bg-white"
                    />
                  )}
                  <details className="mt-3 text-sm">
                    <summary className="text-muted-foreground cursor-pointer">Plain text</summary>
                    <pre className="bg-muted mt-2 overflow-x-auto rounded-md p-3 font-mono text-xs whitespace-pre-wrap">
                      {email.text}
                    </pre>
                  </details>
                </CardContent>
              </Card>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
