import type { Metadata } from "next";
import Link from "next/link";
import { env } from "@/lib/env";

export const metadata: Metadata = { title: "Check your email" };

export default function CheckEmailPage() {
  return (
    <section className="mx-auto max-w-sm">
      <h1 className="text-2xl font-semibold">Check your email</h1>
      <p className="mt-2 text-slate-600">
        A sign-in link is on its way. It works once, for an hour.
      </p>
      {!env.EMAIL_SERVER && env.NODE_ENV !== "production" && (
        <p className="mt-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
          No SMTP server is configured, so the email went to the{" "}
          <Link href="/dev/outbox" className="underline">
            local outbox
          </Link>{" "}
          (the link is also printed in the server console).
        </p>
      )}
    </section>
  );
}
