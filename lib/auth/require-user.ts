import { redirect } from "next/navigation";
import { cache } from "react";
import { auth } from "@/lib/auth";

export type SignedInUser = { id: string; email: string; name: string | null };

/**
 * The signed-in user, or null. Server code checks this itself: the proxy is only a convenience.
 * Cached per request, so a layout and its page checking the session cost one session lookup.
 */
export const currentUser = cache(async (): Promise<SignedInUser | null> => {
  const session = await auth();
  const user = session?.user;
  if (!user?.id || !user.email) return null;
  return { id: user.id, email: user.email, name: user.name ?? null };
});

/** The signed-in user; anonymous visitors are sent to sign-in and brought back to `returnTo`. */
export async function requireUser(returnTo: string): Promise<SignedInUser> {
  const user = await currentUser();
  if (!user) redirect(`/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}
