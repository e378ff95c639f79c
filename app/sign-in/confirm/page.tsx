import type { Metadata } from "next";
import Link from "next/link";
import { CircleAlert } from "lucide-react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import {
  Card,
  CardContent,
  CardDescription,
  CardFooter,
  CardHeader,
  CardTitle,
} from "@/components/ui/card";
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
        <Card>
          <CardHeader>
            <CardTitle>
              <h1 className="text-2xl font-semibold">Sign in</h1>
            </CardTitle>
          </CardHeader>
          <CardContent className="space-y-4">
            <Alert variant="destructive">
              <CircleAlert aria-hidden="true" />
              <AlertDescription>
                <p>
                  This sign-in link is not valid: it is incomplete or was changed. Request a new
                  link and open it straight from the email.
                </p>
              </AlertDescription>
            </Alert>
            <Button asChild variant="link" className="h-auto px-0">
              <Link href="/sign-in">Request a new link</Link>
            </Button>
          </CardContent>
        </Card>
      </section>
    );
  }

  return (
    <section className="mx-auto max-w-sm">
      <Card>
        <CardHeader>
          <CardTitle>
            <h1 className="text-2xl leading-tight font-semibold break-all">{`Sign in as ${link.email}`}</h1>
          </CardTitle>
          <CardDescription>
            <p>Press the button to finish signing in. The link works once, for an hour.</p>
          </CardDescription>
        </CardHeader>
        <CardContent>
          {/* A plain POST form: works without JavaScript, and no link scanner submits it. */}
          <form method="post" action={link.action}>
            <Button type="submit" className="w-full">
              Sign in
            </Button>
          </form>
        </CardContent>
        <CardFooter>
          <p className="text-muted-foreground text-sm">
            Not you, or did not ask to sign in? Close this page; nothing happens without the button.
          </p>
        </CardFooter>
      </Card>
    </section>
  );
}
