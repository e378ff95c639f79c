"use client";

import Link from "next/link";
import { RotateCw } from "lucide-react";
import { Button } from "@/components/ui/button";

/**
 * Shown when a page fails on the server (the database or Stripe unreachable, a bug): a plain
 * explanation, a way to retry, and the reference that matches the one-line server log
 * (`[request-error] digest=…`, instrumentation.ts). Never the error's own message, which Next
 * hides in production anyway.
 */
export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  const digest =
    typeof error === "object" && error !== null && "digest" in error && error.digest
      ? String(error.digest)
      : undefined;
  return (
    <section className="mx-auto max-w-md py-12 text-center" role="alert">
      <h1 className="text-2xl font-semibold">Something went wrong</h1>
      <p className="text-muted-foreground mt-3">
        This page could not be loaded just now. It is usually brief: please try again in a moment.
      </p>
      <div className="mt-6 flex justify-center gap-3">
        <Button type="button" onClick={() => retry()}>
          <RotateCw aria-hidden="true" />
          Try again
        </Button>
        <Button asChild variant="ghost">
          <Link href="/">Go home</Link>
        </Button>
      </div>
      {digest && (
        <p className="text-muted-foreground mt-8 text-xs">
          If it keeps happening, contact support with this reference:{" "}
          <code
            className="bg-muted text-foreground rounded px-1.5 py-0.5"
            data-testid="error-reference"
          >
            {digest}
          </code>
        </p>
      )}
    </section>
  );
}
