import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { auth } from "@/lib/auth";
import { db } from "@/lib/db";

// Auth.js's database-session cookie (the __Secure- variant is used on https).
const SESSION_COOKIES = ["__Secure-authjs.session-token", "authjs.session-token"];

export type SignedInUser = { id: string; email: string; name: string | null };

/**
 * The signed-in user, or null. Server code checks this itself: the proxy is only a convenience.
 * Cached per request, so a layout and its page checking the session cost one session lookup.
 */
export const currentUser = cache(async (): Promise<SignedInUser | null> => {
  const session = await auth();
  const user = session?.user;
  if (user?.id && user.email) return { id: user.id, email: user.email, name: user.name ?? null };
  // Auth.js also answers "no session" when its lookup failed (the database is down): with a
  // session cookie, ask the database once more, so an outage shows the error page instead of
  // sending a signed-in customer to sign-in. A stale cookie is just anonymous.
  const jar = await cookies();
  const token = SESSION_COOKIES.map((name) => jar.get(name)?.value).find(Boolean);
  if (token) {
    await db.session.findUnique({ where: { sessionToken: token }, select: { userId: true } });
  }
  return null;
});

/** The signed-in user; anonymous visitors are sent to sign-in and brought back to `returnTo`. */
export async function requireUser(returnTo: string): Promise<SignedInUser> {
  const user = await currentUser();
  if (!user) redirect(`/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}
