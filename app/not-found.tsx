import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Page not found" };

/** Every unknown URL, and every notFound() (e.g. /dev/outbox in production builds). */
export default function NotFound() {
  return (
    <section className="mx-auto max-w-md py-12 text-center">
      <p className="text-sm font-medium text-slate-500">404</p>
      <h1 className="mt-2 text-2xl font-semibold">Page not found</h1>
      <p className="mt-3 text-slate-600">
        The page you were looking for does not exist or has moved.
      </p>
      <Link
        href="/"
        className="mt-6 inline-block rounded-md bg-slate-900 px-5 py-2.5 text-sm font-medium text-white hover:bg-slate-700"
      >
        Go to the home page
      </Link>
    </section>
  );
}
