import type { Metadata } from "next";
import Link from "next/link";
import { Info, MailCheck } from "lucide-react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { env } from "@/lib/env";

export const metadata: Metadata = { title: "Check your email" };

export default function CheckEmailPage() {
  return (
    <section className="mx-auto max-w-sm">
      <Card>
        <CardHeader>
          <MailCheck className="text-muted-foreground mb-2 size-6" aria-hidden="true" />
          <CardTitle>
            <h1 className="text-2xl font-semibold">Check your email</h1>
          </CardTitle>
          <CardDescription>
            <p className="text-base">A sign-in link is on its way. It works once, for an hour.</p>
          </CardDescription>
        </CardHeader>
        {!env.EMAIL_SERVER && env.NODE_ENV !== "production" && (
          <CardContent>
            <Alert variant="warning" role="note">
              <Info aria-hidden="true" />
              <AlertDescription>
                <p>
                  No SMTP server is configured, so the email went to the{" "}
                  <Link href="/dev/outbox" className="underline underline-offset-4">
                    local outbox
                  </Link>{" "}
                  (the link is also printed in the server console).
                </p>
              </AlertDescription>
            </Alert>
          </CardContent>
        )}
      </Card>
    </section>
  );
}
