import { notFound } from "next/navigation";
import { currentUser } from "@/lib/auth/require-user";
import { env } from "@/lib/env";

/**
 * Who may use /admin/billing: the signed-in user whose login email is in ADMIN_EMAILS (unset:
 * nobody). Everyone else, anonymous visitors included, gets Next's 404: the console's existence
 * is not revealed, so there is no redirect to sign-in either. Every admin page and every admin
 * Server Action calls this first.
 */
export async function requireAdmin(): Promise<{ email: string }> {
  const user = await currentUser();
  if (!user || !isAdminEmail(user.email, env.ADMIN_EMAILS)) notFound();
  return { email: user.email.toLowerCase() };
}

/**
 * Whether a login email is in the admin list (ADMIN_EMAILS, lower-cased by lib/env.ts; unset or
 * empty is nobody). The email is compared the same way.
 */
export function isAdminEmail(email: string, admins: readonly string[] | undefined): boolean {
  return (admins ?? []).includes(email.trim().toLowerCase());
}
