import { AsyncLocalStorage } from "node:async_hooks";
import { isIP } from "node:net";
import { headers } from "next/headers";
import { consumeRateLimit } from "@/lib/rate-limit";

/**
 * Limits on sign-in emails (magic links), so that nobody can flood an inbox, or make the app send
 * mail for them by the thousand (and ruin the sender's reputation):
 * - per address, ignoring case and plus-addressing (`A+1@x.com` counts as `a@x.com`);
 * - per client IP (an IPv6 client counts per /64, the block one subscriber usually gets);
 * - globally, counting only the emails that passed the first two, so a single abusive client
 *   cannot use up everybody's budget.
 * Each is a fixed 10-minute window in Postgres (lib/rate-limit.ts): one statement per limit, the
 * first two at once, the global one after them.
 */

export const SIGN_IN_EMAIL_WINDOW_SECONDS = 600;

export type SignInEmailLimits = { perAddress: number; perIp: number; global: number };

/** Per 10-minute window. The IP and global limits can be changed with the variables below. */
export const DEFAULT_SIGN_IN_EMAIL_LIMITS: SignInEmailLimits = {
  // Nobody needs more than a few links in ten minutes; more is someone flooding an inbox.
  perAddress: 5,
  // An office or a school behind one address signs in often; one script does not need more.
  perIp: 30,
  // 1,800 an hour: well above a small SaaS's sign-ins, well below a spam run.
  global: 300,
};

// TODO(env): move these two into lib/env.ts (validated at start) once its owner adds them.
const LIMIT_VARIABLES = {
  perIp: "SIGN_IN_EMAILS_PER_IP",
  global: "SIGN_IN_EMAILS_GLOBAL",
} as const;
const warnedAbout = new Set<string>();

/** The limits in force: the defaults, or whole numbers from SIGN_IN_EMAILS_PER_IP / _GLOBAL. */
export function signInEmailLimits(
  source: Record<string, string | undefined> = process.env,
): SignInEmailLimits {
  const limits = { ...DEFAULT_SIGN_IN_EMAIL_LIMITS };
  for (const [field, name] of Object.entries(LIMIT_VARIABLES) as [
    keyof typeof LIMIT_VARIABLES,
    string,
  ][]) {
    const raw = source[name]?.trim();
    if (!raw) continue;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= 1 && value <= 1_000_000) {
      limits[field] = value;
    } else if (!warnedAbout.has(`${name}=${raw}`)) {
      warnedAbout.add(`${name}=${raw}`);
      console.warn(
        `Invalid environment variable ${name}: expected a whole number of emails per 10 minutes (1 or more); using ${limits[field]}`,
      );
    }
  }
  return limits;
}

/** The per-address key: lower case, Unicode-normalised, without a `+tag` in the local part. */
export function normalizeEmailForLimit(email: string): string {
  const value = email.normalize("NFKC").trim().toLowerCase();
  const at = value.lastIndexOf("@");
  if (at <= 0) return value;
  const local = value.slice(0, at);
  const plus = local.indexOf("+");
  return `${plus > 0 ? local.slice(0, plus) : local}@${value.slice(at + 1)}`;
}

type HeaderSource = { get(name: string): string | null };

/**
 * The client's address as the platform in front of the app reports it: `X-Real-IP`, else the
 * first hop of `X-Forwarded-For`. On Vercel the edge sets both and overwrites what the client
 * sent. Behind any other proxy (nginx, a load balancer), that proxy must overwrite them with the
 * address it saw, e.g. nginx `proxy_set_header X-Real-IP $remote_addr;`: when it appends to
 * X-Forwarded-For instead, its first hop is whatever the client wrote. Exposed directly,
 * `next start` fills X-Forwarded-For with the socket address only when the client sent none, so
 * there a client can choose its own address (the per-address and global limits still hold).
 * Returns an IPv4 address, an IPv6 /64 (`2001:db8:1:2::/64`), or "unknown".
 */
export function clientIpFromHeaders(headers: HeaderSource): string {
  const realIp = headers.get("x-real-ip");
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0];
  return normalizeIp(realIp?.trim() ? realIp : forwarded);
}

/** An IPv4 address as is (IPv4-mapped IPv6 too), an IPv6 address as its /64; else "unknown". */
export function normalizeIp(raw: string | null | undefined): string {
  let value = raw?.trim() ?? "";
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(":"));
  value = value.replace(/%.*$/, "");
  const version = isIP(value);
  if (version === 4) return value;
  if (version !== 6) return "unknown";
  const groups = ipv6Groups(value);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [hi, lo] = [groups[6]!, groups[7]!];
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (with `::` and a dotted IPv4 tail expanded). */
function ipv6Groups(address: string): number[] {
  const parse = (part: string): number[] =>
    part === ""
      ? []
      : part.split(":").flatMap((group) => {
          if (!group.includes(".")) return [parseInt(group, 16)];
          const [a, b, c, d] = group.split(".").map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const [left, right] = address.toLowerCase().split("::") as [string, string | undefined];
  const head = parse(left);
  if (right === undefined) return head;
  const tail = parse(right);
  return [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

export type SignInLimitDecision =
  | { allowed: true }
  | { allowed: false; limitedBy: "address" | "ip" | "global"; retryAfterSeconds: number };

export const GLOBAL_SIGN_IN_EMAIL_KEY = "sign-in-email-global";

/** Counts one sign-in email for the address, the client and everyone, and says whether it may go. */
export async function consumeSignInEmailLimits(
  { email, ip }: { email: string; ip: string },
  {
    limits = signInEmailLimits(),
    now = new Date(),
    globalKey = GLOBAL_SIGN_IN_EMAIL_KEY,
  }: { limits?: SignInEmailLimits; now?: Date; globalKey?: string } = {},
): Promise<SignInLimitDecision> {
  const windowSeconds = SIGN_IN_EMAIL_WINDOW_SECONDS;
  const [address, client] = await Promise.all([
    consumeRateLimit(
      `sign-in-email:${normalizeEmailForLimit(email)}`,
      { limit: limits.perAddress, windowSeconds },
      now,
    ),
    consumeRateLimit(`sign-in-ip:${ip}`, { limit: limits.perIp, windowSeconds }, now),
  ]);
  if (!address.allowed) {
    return { allowed: false, limitedBy: "address", retryAfterSeconds: address.retryAfterSeconds };
  }
  if (!client.allowed) {
    return { allowed: false, limitedBy: "ip", retryAfterSeconds: client.retryAfterSeconds };
  }
  const global = await consumeRateLimit(globalKey, { limit: limits.global, windowSeconds }, now);
  if (!global.allowed) {
    // The one refusal that concerns everybody: the operator should hear of it.
    console.warn(
      `[sign-in] the global limit of ${limits.global} sign-in emails per 10 minutes is reached; refusing more for ${global.retryAfterSeconds} s (SIGN_IN_EMAILS_GLOBAL raises it)`,
    );
    return { allowed: false, limitedBy: "global", retryAfterSeconds: global.retryAfterSeconds };
  }
  return { allowed: true };
}

/** Thrown by sendSignInEmail past a limit. The message names no address (logs are not for PII). */
export class SignInEmailLimitError extends Error {
  constructor(
    readonly limitedBy: "address" | "ip" | "global",
    readonly retryAfterSeconds: number,
  ) {
    super(
      `Too many sign-in emails requested (${limitedBy} limit); retry in ${retryAfterSeconds} s.`,
    );
    this.name = "SignInEmailLimitError";
  }
}

/** The `?error=` code of the sign-in page for a refused link, with `retryIn` (minutes). */
export const SIGN_IN_LIMITED_ERROR = "TooManySignInEmails";

export function retryInMinutes(retryAfterSeconds: number): number {
  return Math.min(60, Math.max(1, Math.ceil(retryAfterSeconds / 60)));
}

/** The sign-in page's message for SIGN_IN_LIMITED_ERROR; `retryIn` comes from the URL. */
export function signInLimitedMessage(retryIn: unknown): string {
  const parsed = typeof retryIn === "string" ? Number.parseInt(retryIn, 10) : NaN;
  const minutes = Number.isInteger(parsed) ? Math.min(60, Math.max(1, parsed)) : 10;
  return `Too many sign-in links requested; try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

/*
 * The sign-in Server Action checks the limits itself (it knows the request, and can show the
 * customer a message) and then calls Auth.js, which calls sendSignInEmail. That must not count the
 * same email twice, but must still count emails requested any other way (a POST straight to
 * Auth.js's /api/auth/signin/email): the action marks its async context as checked. The store
 * lives on globalThis because Next bundles Server Actions and route handlers with their own copies
 * of this module.
 */
const globalForLimits = globalThis as unknown as { signInLimitsChecked?: AsyncLocalStorage<true> };
const checked = (globalForLimits.signInLimitsChecked ??= new AsyncLocalStorage<true>());

/** Runs `fn` (the Auth.js sign-in) as one whose sign-in email was already counted. */
export function withSignInLimitsChecked<T>(fn: () => Promise<T>): Promise<T> {
  return checked.run(true, fn);
}

export function signInLimitsAlreadyChecked(): boolean {
  return checked.getStore() === true;
}

/** The client address of the request being handled; "unknown" outside a request (scripts, tests). */
export async function currentRequestClientIp(): Promise<string> {
  try {
    return clientIpFromHeaders(await headers());
  } catch {
    return "unknown";
  }
}
