"use client";

import Link from "next/link";

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
      <p className="mt-3 text-slate-600">
        This page could not be loaded just now. It is usually brief: please try again in a moment.
      </p>
      <div className="mt-6 flex justify-center gap-3">
        <button
          type="button"
          onClick={() => retry()}
          className="rounded-md bg-slate-900 px-5 py-2.5 text-sm font-medium text-white hover:bg-slate-700"
        >
          Try again
        </button>
        <Link
          href="/"
          className="rounded-md px-5 py-2.5 text-sm font-medium text-slate-700 hover:bg-slate-100"
        >
          Go home
        </Link>
      </div>
      {digest && (
        <p className="mt-8 text-xs text-slate-500">
          If it keeps happening, contact support with this reference:{" "}
          <code className="rounded bg-slate-100 px-1.5 py-0.5" data-testid="error-reference">
            {digest}
          </code>
        </p>
      )}
    </section>
  );
}
