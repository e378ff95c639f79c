import type { Metadata } from "next";
import Link from "next/link";
import { parseSignInConfirmation } from "@/lib/auth/sign-in-link";
import { env } from "@/lib/env";

export const metadata: Metadata = {
  title: "Confirm sign-in",
  // The query holds the sign-in token: never send it on in a Referer, never index it.
  referrer: "no-referrer",
  robots: { index: false, follow: false },
};
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/**
 * Where the emailed sign-in link lands. Mail scanners (Microsoft Safe Links and others) open every
 * link in an email before the person does; this page only names the account, so their GET (or
 * HEAD) uses nothing up. The button posts to Auth.js's email callback, which uses the token.
 */
export default async function ConfirmSignInPage({ searchParams }: Props) {
  const link = parseSignInConfirmation(await searchParams, env.APP_URL);
  if (!link.ok) {
    return (
      <section className="mx-auto max-w-sm">
        <h1 className="text-2xl font-semibold">Sign in</h1>
        <p role="alert" className="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          This sign-in link is not valid: it is incomplete or was changed. Request a new link and
          open it straight from the email.
        </p>
        <Link href="/sign-in" className="mt-4 inline-block text-sm underline">
          Request a new link
        </Link>
      </section>
    );
  }

  return (
    <section className="mx-auto max-w-sm">
      <h1 className="text-2xl font-semibold break-all">{`Sign in as ${link.email}`}</h1>
      <p className="mt-2 text-sm text-slate-600">
        Press the button to finish signing in. The link works once, for an hour.
      </p>
      {/* A plain POST form: works without JavaScript, and no link scanner submits it. */}
      <form method="post" action={link.action} className="mt-6">
        <button
          type="submit"
          className="w-full rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700"
        >
          Sign in
        </button>
      </form>
      <p className="mt-6 text-sm text-slate-500">
        Not you, or did not ask to sign in? Close this page; nothing happens without the button.
      </p>
    </section>
  );
}
