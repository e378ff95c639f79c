import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { CircleAlert, Mail } from "lucide-react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { oauthProviders } from "@/lib/auth";
import { currentUser } from "@/lib/auth/require-user";
import { safeCallbackPath } from "@/lib/auth/safe-callback";
import { SIGN_IN_LIMITED_ERROR, signInLimitedMessage } from "@/lib/auth/sign-in-limits";
import { env } from "@/lib/env";
import { signInWithEmail, signInWithProvider } from "./actions";

export const metadata: Metadata = { title: "Sign in" };

const ERRORS: Record<string, string> = {
  InvalidEmail: "Enter a valid email address.",
  Verification: "That sign-in link has expired or was already used. Request a new one.",
  EmailSignInError: "We could not send the sign-in email. Try again in a moment.",
};

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SignInPage({ searchParams }: Props) {
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(params.callbackUrl, env.APP_URL);
  if (await currentUser()) redirect(callbackUrl);
  const errorCode = typeof params.error === "string" ? params.error : undefined;
  const error =
    errorCode === SIGN_IN_LIMITED_ERROR
      ? signInLimitedMessage(params.retryIn)
      : errorCode
        ? (ERRORS[errorCode] ?? "Sign-in failed. Please try again.")
        : null;

  return (
    <section className="mx-auto max-w-sm">
      <Card>
        <CardHeader>
          <CardTitle>
            <h1 className="text-2xl font-semibold">Sign in</h1>
          </CardTitle>
          <CardDescription>
            <p>We will email you a link to sign in. No password.</p>
          </CardDescription>
        </CardHeader>
        <CardContent className="space-y-6">
          {error && (
            <Alert variant="destructive">
              <CircleAlert aria-hidden="true" />
              <AlertDescription>
                <p>{error}</p>
              </AlertDescription>
            </Alert>
          )}
          <form action={signInWithEmail} className="space-y-3">
            <input type="hidden" name="callbackUrl" value={callbackUrl} />
            <Label htmlFor="email">Email</Label>
            <Input id="email" name="email" type="email" required autoComplete="email" />
            <Button type="submit" className="w-full">
              <Mail aria-hidden="true" />
              Email me a sign-in link
            </Button>
          </form>
          {oauthProviders.length > 0 && (
            <div className="space-y-2 border-t pt-6">
              {oauthProviders.map((provider) => (
                <form key={provider.id} action={signInWithProvider}>
                  <input type="hidden" name="provider" value={provider.id} />
                  <input type="hidden" name="callbackUrl" value={callbackUrl} />
                  <Button type="submit" variant="outline" className="w-full">
                    Continue with {provider.name}
                  </Button>
                </form>
              ))}
            </div>
          )}
        </CardContent>
      </Card>
    </section>
  );
}
