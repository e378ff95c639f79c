import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";

// Auth.js's database-session cookie (the __Secure- variant is used on https).
const SESSION_COOKIES = ["authjs.session-token", "__Secure-authjs.session-token"];

/**
 * Sends anonymous visitors of protected areas to sign-in, remembering where they were going.
 * A convenience only: it looks for the cookie without checking it; pages and actions verify the
 * session themselves.
 */
export function proxy(request: NextRequest) {
  if (SESSION_COOKIES.some((name) => request.cookies.has(name))) return NextResponse.next();
  const { pathname, search } = request.nextUrl;
  const signIn = new URL("/sign-in", env.APP_URL);
  signIn.search = new URLSearchParams({ callbackUrl: pathname + search }).toString();
  return NextResponse.redirect(signIn);
}

export const config = { matcher: ["/settings/:path*"] };
