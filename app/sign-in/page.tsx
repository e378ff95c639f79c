import type { Metadata } from "next";
import { redirect } from "next/navigation";
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
      <h1 className="text-2xl font-semibold">Sign in</h1>
      <p className="mt-2 text-sm text-slate-600">
        We will email you a link to sign in. No password.
      </p>
      {error && (
        <p role="alert" className="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      )}
      <form action={signInWithEmail} className="mt-6 space-y-3">
        <input type="hidden" name="callbackUrl" value={callbackUrl} />
        <label className="block text-sm font-medium" htmlFor="email">
          Email
        </label>
        <input
          id="email"
          name="email"
          type="email"
          required
          autoComplete="email"
          className="w-full rounded-md border border-slate-300 px-3 py-2"
        />
        <button
          type="submit"
          className="w-full rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700"
        >
          Email me a sign-in link
        </button>
      </form>
      {oauthProviders.length > 0 && (
        <div className="mt-6 space-y-2 border-t border-slate-200 pt-6">
          {oauthProviders.map((provider) => (
            <form key={provider.id} action={signInWithProvider}>
              <input type="hidden" name="provider" value={provider.id} />
              <input type="hidden" name="callbackUrl" value={callbackUrl} />
              <button
                type="submit"
                className="w-full rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-50"
              >
                Continue with {provider.name}
              </button>
            </form>
          ))}
        </div>
      )}
    </section>
  );
}
