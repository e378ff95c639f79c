/**
 * Portal session URLs are short-lived and single-use, like Stripe's: the URL must be opened
 * within 5 minutes of creation, and the first open binds the session to that browser (an
 * HttpOnly cookie scoped to the session's path). Any later request without that cookie — the
 * link copied to another browser, forwarded, or reused from history — gets an "expired" page.
 * The bound browser can use the session for an hour.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { PortalSessionInternal } from "../../engine/store";

export const OPEN_WITHIN_MS = 5 * 60_000;
export const SESSION_LIFETIME_MS = 60 * 60_000;

export type GateResult = { ok: true } | { ok: false; message: string };

const EXPIRED = "This portal session has expired. Return to the app and open billing again.";

function cookieName(sessionId: string): string {
  return `emu_portal_${sessionId.replace(/[^A-Za-z0-9_]/g, "")}`;
}

function cookieValue(req: IncomingMessage, name: string): string | null {
  for (const part of String(req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return null;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Decides whether this request may use the session; binds it on the first GET. */
export function admitPortalRequest(
  internal: PortalSessionInternal,
  sessionId: string,
  req: IncomingMessage,
  res: ServerResponse,
  nowMs: number,
): GateResult {
  const name = cookieName(sessionId);
  if (internal.openedAtMs === null || !internal.browserKey) {
    // Only a browser opening the link binds it; a form post can't be the first request.
    if (req.method !== "GET" || nowMs - internal.createdAtMs > OPEN_WITHIN_MS)
      return { ok: false, message: EXPIRED };
    internal.openedAtMs = nowMs;
    internal.browserKey = randomBytes(24).toString("base64url");
    res.setHeader(
      "set-cookie",
      `${name}=${internal.browserKey}; Path=/p/session/${encodeURIComponent(sessionId)}; HttpOnly; SameSite=Lax; Max-Age=${SESSION_LIFETIME_MS / 1000}`,
    );
    return { ok: true };
  }
  const presented = cookieValue(req, name);
  if (!presented || !same(presented, internal.browserKey)) return { ok: false, message: EXPIRED };
  if (nowMs - internal.openedAtMs > SESSION_LIFETIME_MS) return { ok: false, message: EXPIRED };
  return { ok: true };
}
