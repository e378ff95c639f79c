"use server";

import { AuthError } from "next-auth";
import { redirect } from "next/navigation";
import { z } from "zod";
import { signIn } from "@/lib/auth";
import { safeCallbackPath } from "@/lib/auth/safe-callback";
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
  try {
    // redirect: false so the browser lands on our page directly, not via /api/auth/verify-request.
    await signIn("email", { email: parsed.data.email, redirectTo: callbackUrl, redirect: false });
  } catch (error) {
    if (error instanceof AuthError) {
      redirect(`/sign-in?error=${error.type}&callbackUrl=${encodeURIComponent(callbackUrl)}`);
    }
    throw error;
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
