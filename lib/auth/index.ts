import { PrismaAdapter } from "@auth/prisma-adapter";
import NextAuth from "next-auth";
import type { Provider } from "next-auth/providers";
import GitHub from "next-auth/providers/github";
import Google from "next-auth/providers/google";
import Nodemailer from "next-auth/providers/nodemailer";
import { db } from "@/lib/db";
import { sendSignInEmail } from "@/lib/email/send-sign-in-email";
import { env } from "@/lib/env";
import { safeCallbackPath } from "@/lib/auth/safe-callback";
import { signInConfirmationLink } from "@/lib/auth/sign-in-link";

// Auth.js builds its URLs (magic links, OAuth callbacks) from AUTH_URL when set, instead of the
// request's Host header; the app's public URL is configuration, never what a client claims.
process.env.AUTH_URL ??= env.APP_URL;

const providers: Provider[] = [
  Nodemailer({
    id: "email",
    name: "Email",
    // Unused when no SMTP server is configured: sendVerificationRequest writes to the outbox then.
    server: env.EMAIL_SERVER ?? { jsonTransport: true },
    from: env.EMAIL_FROM,
    maxAge: 60 * 60,
    // The email links to our confirmation page (/sign-in/confirm), not to Auth.js's callback: mail
    // scanners GET every link first, and a GET of the callback would use the token up (and sign
    // the scanner in). Only the page's button posts to the callback. See lib/auth/sign-in-link.ts.
    sendVerificationRequest: ({ identifier, url }) =>
      sendSignInEmail({ to: identifier, url: signInConfirmationLink(url, env.APP_URL) }),
  }),
];
/** The OAuth providers shown on the sign-in page: only those whose keys are configured. */
export const oauthProviders: { id: string; name: string }[] = [];
if (env.AUTH_GITHUB_ID && env.AUTH_GITHUB_SECRET) {
  providers.push(GitHub({ clientId: env.AUTH_GITHUB_ID, clientSecret: env.AUTH_GITHUB_SECRET }));
  oauthProviders.push({ id: "github", name: "GitHub" });
}
if (env.AUTH_GOOGLE_ID && env.AUTH_GOOGLE_SECRET) {
  providers.push(Google({ clientId: env.AUTH_GOOGLE_ID, clientSecret: env.AUTH_GOOGLE_SECRET }));
  oauthProviders.push({ id: "google", name: "Google" });
}

// Auth.js logs each failure with its whole stack (and again per wrapper): one line per cause.
const loggedAuthCauses = new WeakSet<Error>();

export const { handlers, auth, signIn, signOut } = NextAuth({
  logger: {
    error(error) {
      const cause = (error.cause as { err?: unknown } | undefined)?.err;
      if (cause instanceof Error) {
        if (loggedAuthCauses.has(cause)) return;
        loggedAuthCauses.add(cause);
      }
      const type = (error as { type?: string }).type ?? error.name;
      const detail = (cause instanceof Error ? cause.message : error.message).replace(/\s+/g, " ");
      console.error(`[auth] ${type}: ${detail.trim().slice(0, 300)}`);
    },
  },
  adapter: PrismaAdapter(db),
  providers,
  secret: env.AUTH_SECRET,
  trustHost: true,
  session: { strategy: "database" },
  pages: { signIn: "/sign-in", verifyRequest: "/sign-in/check-email", error: "/sign-in" },
  callbacks: {
    // Never leave the site after sign-in, whatever callbackUrl was passed.
    redirect: ({ url }) => new URL(safeCallbackPath(url, env.APP_URL), env.APP_URL).toString(),
  },
});
