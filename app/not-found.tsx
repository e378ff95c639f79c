import type { Metadata } from "next";
import Link from "next/link";
import { Button } from "@/components/ui/button";

export const metadata: Metadata = { title: "Page not found" };

/** Every unknown URL, and every notFound() (e.g. /dev/outbox in production builds). */
export default function NotFound() {
  return (
    <section className="mx-auto max-w-md py-12 text-center">
      <p className="text-muted-foreground text-sm font-medium">404</p>
      <h1 className="mt-2 text-2xl font-semibold">Page not found</h1>
      <p className="text-muted-foreground mt-3">
        The page you were looking for does not exist or has moved.
      </p>
      <Button asChild className="mt-6">
        <Link href="/">Go to the home page</Link>
      </Button>
    </section>
  );
}
