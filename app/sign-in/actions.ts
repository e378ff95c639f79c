"use server";

import { AuthError } from "next-auth";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { signIn } from "@/lib/auth";
import { safeCallbackPath } from "@/lib/auth/safe-callback";
import {
  clientIpFromHeaders,
  consumeSignInEmailLimits,
  retryInMinutes,
  SIGN_IN_LIMITED_ERROR,
  withSignInLimitsChecked,
} from "@/lib/auth/sign-in-limits";
import { env } from "@/lib/env";

const emailForm = z.object({
  email: z.email("Enter a valid email address.").max(254).trim().toLowerCase(),
  callbackUrl: z.string().optional(),
});

export async function signInWithEmail(formData: FormData): Promise<void> {
  const parsed = emailForm.safeParse({
    email: formData.get("email"),
    callbackUrl: formData.get("callbackUrl") ?? undefined,
  });
  const callbackUrl = safeCallbackPath(formData.get("callbackUrl"), env.APP_URL);
  if (!parsed.success) {
    redirect(`/sign-in?error=InvalidEmail&callbackUrl=${encodeURIComponent(callbackUrl)}`);
  }
  const back = `callbackUrl=${encodeURIComponent(callbackUrl)}`;
  // Counted here, before Auth.js, so that a refused link gets its own message (sendSignInEmail
  // counts only emails requested some other way; see lib/auth/sign-in-limits.ts).
  const limit = await consumeSignInEmailLimits({
    email: parsed.data.email,
    ip: clientIpFromHeaders(await headers()),
  });
  if (!limit.allowed) {
    const retryIn = retryInMinutes(limit.retryAfterSeconds);
    redirect(`/sign-in?error=${SIGN_IN_LIMITED_ERROR}&retryIn=${retryIn}&${back}`);
  }
  let next: string;
  try {
    // redirect: false so the browser lands on our page directly, not via /api/auth/verify-request.
    next = await withSignInLimitsChecked(() =>
      signIn("email", { email: parsed.data.email, redirectTo: callbackUrl, redirect: false }),
    );
  } catch (error) {
    if (error instanceof AuthError) redirect(`/sign-in?error=${error.type}&${back}`);
    throw error;
  }
  // An error that is not an AuthError (the email could not be sent: SMTP refused it, or it was
  // refused in production for want of EMAIL_SERVER) comes back as a URL with ?error=Configuration,
  // not as an exception: the customer must not be told to check an inbox that gets nothing.
  const failure = next ? new URL(next, env.APP_URL).searchParams.get("error") : null;
  if (failure) {
    const code = failure === "Configuration" ? "EmailSignInError" : failure;
    redirect(`/sign-in?error=${encodeURIComponent(code)}&${back}`);
  }
  redirect("/sign-in/check-email");
}

export async function signInWithProvider(formData: FormData): Promise<void> {
  const provider = z.enum(["github", "google"]).safeParse(formData.get("provider"));
  if (!provider.success) redirect("/sign-in?error=UnknownProvider");
  const callbackUrl = safeCallbackPath(formData.get("callbackUrl"), env.APP_URL);
  try {
    await signIn(provider.data, { redirectTo: callbackUrl });
  } catch (error) {
    if (error instanceof AuthError) redirect(`/sign-in?error=${error.type}`);
    throw error;
  }
}
