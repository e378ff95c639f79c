import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

// lib/env reads the environment at import: a test-mode key, no Stripe call is made here.
process.env.STRIPE_SECRET_KEY ??= "sk_test_sign_in_limits_unit";

let limits: typeof import("./sign-in-limits");

beforeAll(async () => {
  limits = await import("./sign-in-limits");
});

afterEach(() => {
  vi.doUnmock("next/headers");
  vi.doUnmock("next/navigation");
  vi.doUnmock("@/lib/auth");
  vi.doUnmock("next-auth");
  vi.resetModules();
});

const tag = () => randomUUID().slice(0, 8);
/** A documentation-range address no other test uses. */
const uniqueIpv4 = () =>
  `198.51.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;

describe("keys", () => {
  it("counts an address whatever its case and plus tag", () => {
    for (const variant of ["Ann@Example.com", "ann+1@example.com", "ANN+news+x@EXAMPLE.COM"]) {
      expect(limits.normalizeEmailForLimit(variant)).toBe("ann@example.com");
    }
    expect(limits.normalizeEmailForLimit("+only@example.com")).toBe("+only@example.com");
    expect(limits.normalizeEmailForLimit("bob@example.com")).not.toBe("ann@example.com");
  });

  it("takes the client IP from X-Real-IP, else X-Forwarded-For's first hop", () => {
    const ip = (init: Record<string, string>) => limits.clientIpFromHeaders(new Headers(init));
    expect(ip({ "x-real-ip": "203.0.113.7", "x-forwarded-for": "198.51.100.1" })).toBe(
      "203.0.113.7",
    );
    expect(ip({ "x-forwarded-for": "203.0.113.7, 10.0.0.1, 10.0.0.2" })).toBe("203.0.113.7");
    expect(ip({ "x-forwarded-for": " 203.0.113.7:51234" })).toBe("203.0.113.7");
    expect(ip({ "x-forwarded-for": "::ffff:203.0.113.7" })).toBe("203.0.113.7");
    expect(ip({})).toBe("unknown");
    // Garbage does not give each request a fresh bucket.
    expect(ip({ "x-forwarded-for": "not-an-ip-1" })).toBe("unknown");
    expect(ip({ "x-real-ip": "<script>" })).toBe("unknown");
  });

  it("counts IPv6 clients per /64", () => {
    const n = limits.normalizeIp;
    expect(n("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(n("2001:0DB8:0001:0002::1")).toBe("2001:db8:1:2::/64");
    expect(n("[2001:db8:1:2::ffff]:443")).toBe("2001:db8:1:2::/64");
    expect(n("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(n("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(n("::1")).toBe("0:0:0:0::/64");
    expect(n("64:ff9b::192.0.2.33")).toBe("64:ff9b:0:0::/64");
    expect(n("2001:db8:1:3::1")).not.toBe(n("2001:db8:1:2::1"));
  });

  it("reads the IP and global limits from the environment, falling back on bad values", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    expect(limits.signInEmailLimits({})).toEqual(limits.DEFAULT_SIGN_IN_EMAIL_LIMITS);
    expect(
      limits.signInEmailLimits({ SIGN_IN_EMAILS_PER_IP: "12", SIGN_IN_EMAILS_GLOBAL: "5000" }),
    ).toEqual({ perAddress: 5, perIp: 12, global: 5000 });
    expect(limits.signInEmailLimits({ SIGN_IN_EMAILS_PER_IP: "lots" }).perIp).toBe(30);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("SIGN_IN_EMAILS_PER_IP"));
    warn.mockRestore();
  });
});

describe("consumeSignInEmailLimits", () => {
  const now = new Date();

  it("refuses the sixth link in ten minutes to one address, plus tags or not", async () => {
    const local = `ann-${tag()}`;
    const decisions = [];
    for (let i = 0; i < 6; i++) {
      decisions.push(
        await limits.consumeSignInEmailLimits(
          { email: `${i % 2 ? local.toUpperCase() : local}+${i}@example.com`, ip: uniqueIpv4() },
          { now },
        ),
      );
    }
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(decisions[5]).toMatchObject({ limitedBy: "address" });
  });

  it("refuses one client asking for links to many addresses; another client still gets one", async () => {
    const ip = uniqueIpv4();
    const settings = { now, limits: { perAddress: 5, perIp: 4, global: 1000 } };
    const decisions = [];
    for (let i = 0; i < 5; i++) {
      decisions.push(
        await limits.consumeSignInEmailLimits({ email: `many-${tag()}@example.com`, ip }, settings),
      );
    }
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, false]);
    expect(decisions[4]).toMatchObject({ limitedBy: "ip" });
    const other = await limits.consumeSignInEmailLimits(
      { email: `other-${tag()}@example.com`, ip: uniqueIpv4() },
      settings,
    );
    expect(other.allowed).toBe(true);
  });

  it("counts one IPv6 /64 as one client", async () => {
    const prefix = `2001:db8:${Math.floor(Math.random() * 65535).toString(16)}:1`;
    const settings = { now, limits: { perAddress: 5, perIp: 2, global: 1000 } };
    const ask = (host: string) =>
      limits.consumeSignInEmailLimits(
        { email: `v6-${tag()}@example.com`, ip: limits.normalizeIp(`${prefix}::${host}`) },
        settings,
      );
    expect((await ask("1")).allowed).toBe(true);
    expect((await ask("abcd:1")).allowed).toBe(true);
    expect(await ask("ffff:ffff:fff0")).toMatchObject({ allowed: false, limitedBy: "ip" });
  });

  it("has a global limit, which a refused client does not use up", async () => {
    const settings = {
      now,
      globalKey: `test-global:${tag()}`,
      limits: { perAddress: 5, perIp: 1, global: 3 },
    };
    const abuser = uniqueIpv4();
    // The first of these counts globally, the next ten are refused per IP and do not.
    for (let i = 0; i < 11; i++) {
      await limits.consumeSignInEmailLimits(
        { email: `a-${tag()}@example.com`, ip: abuser },
        settings,
      );
    }
    const ask = () =>
      limits.consumeSignInEmailLimits(
        { email: `g-${tag()}@example.com`, ip: uniqueIpv4() },
        settings,
      );
    expect((await ask()).allowed).toBe(true);
    expect((await ask()).allowed).toBe(true);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const refused = await ask();
    expect(refused).toMatchObject({ allowed: false, limitedBy: "global" });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("global limit"));
    warn.mockRestore();
  });

  it("words the customer's message from the minutes left", () => {
    expect(limits.retryInMinutes(61)).toBe(2);
    expect(limits.retryInMinutes(5)).toBe(1);
    expect(limits.signInLimitedMessage("7")).toBe(
      "Too many sign-in links requested; try again in 7 minutes.",
    );
    expect(limits.signInLimitedMessage("1")).toBe(
      "Too many sign-in links requested; try again in 1 minute.",
    );
    expect(limits.signInLimitedMessage("<b>9999</b>")).toContain("in 10 minutes");
    expect(limits.signInLimitedMessage("9999")).toContain("in 60 minutes");
  });
});

describe("the sign-in Server Action", () => {
  // The action counts with the clock: keep its requests in the middle of one 10-minute window.
  beforeEach(() => {
    const window = limits.SIGN_IN_EMAIL_WINDOW_SECONDS * 1000;
    vi.useFakeTimers({
      toFake: ["Date"],
      now: Math.floor(Date.now() / window) * window + window / 2,
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  class Redirect extends Error {
    constructor(readonly url: string) {
      super(`NEXT_REDIRECT ${url}`);
    }
  }

  /** The action with its request headers, Next's redirect and Auth.js's signIn replaced. */
  async function loadAction(
    requestHeaders: Record<string, string>,
    signInResult: string = "http://localhost:3000/api/auth/verify-request?provider=email&type=email",
  ) {
    vi.resetModules();
    vi.doMock("next/headers", () => ({ headers: async () => new Headers(requestHeaders) }));
    vi.doMock("next/navigation", () => ({
      redirect: (url: string) => {
        throw new Redirect(url);
      },
    }));
    // next-auth's own modules do not load outside Next; the action only needs its AuthError.
    vi.doMock("next-auth", () => ({ AuthError: class AuthError extends Error {} }));
    const checks: boolean[] = [];
    vi.doMock("@/lib/auth", async () => {
      const { signInLimitsAlreadyChecked } = await import("@/lib/auth/sign-in-limits");
      return {
        signIn: async () => {
          checks.push(signInLimitsAlreadyChecked());
          return signInResult;
        },
      };
    });
    const { signInWithEmail } = await import("@/app/sign-in/actions");
    const submit = async (email: string): Promise<string> => {
      const form = new FormData();
      form.set("email", email);
      form.set("callbackUrl", "/settings/billing");
      try {
        await signInWithEmail(form);
      } catch (error) {
        if (error instanceof Redirect) return error.url;
        throw error;
      }
      throw new Error("the action did not redirect");
    };
    return { submit, checks };
  }

  it("sends to the inbox page, then to a clear message once the address's limit is reached", async () => {
    const { submit, checks } = await loadAction({ "x-forwarded-for": `${uniqueIpv4()}, 10.0.0.1` });
    const local = `action-${tag()}`;
    for (let i = 0; i < 5; i++) {
      expect(await submit(`${local}+${i}@example.com`)).toBe("/sign-in/check-email");
    }
    const refused = new URL(await submit(`${local.toUpperCase()}@example.com`), "http://x");
    expect(refused.pathname).toBe("/sign-in");
    expect(refused.searchParams.get("error")).toBe("TooManySignInEmails");
    expect(Number(refused.searchParams.get("retryIn"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.searchParams.get("retryIn"))).toBeLessThanOrEqual(10);
    expect(refused.searchParams.get("callbackUrl")).toBe("/settings/billing");
    // Auth.js ran five times, each inside the checked context (sendSignInEmail counts nothing).
    expect(checks).toEqual([true, true, true, true, true]);
  });

  it("keys on the forwarded client address, not on the proxy's", async () => {
    const client = uniqueIpv4();
    process.env.SIGN_IN_EMAILS_PER_IP = "2";
    try {
      const first = await loadAction({ "x-forwarded-for": `${client}, 10.0.0.1` });
      expect(await first.submit(`ip-${tag()}@example.com`)).toBe("/sign-in/check-email");
      expect(await first.submit(`ip-${tag()}@example.com`)).toBe("/sign-in/check-email");
      expect(await first.submit(`ip-${tag()}@example.com`)).toMatch(/error=TooManySignInEmails/);
      // Same proxy, another client: its own budget.
      const second = await loadAction({ "x-forwarded-for": `${uniqueIpv4()}, 10.0.0.1` });
      expect(await second.submit(`ip-${tag()}@example.com`)).toBe("/sign-in/check-email");
    } finally {
      delete process.env.SIGN_IN_EMAILS_PER_IP;
    }
  });

  it("does not say 'check your email' when Auth.js could not send it", async () => {
    const { submit } = await loadAction(
      { "x-real-ip": uniqueIpv4() },
      "http://localhost:3000/sign-in?error=Configuration",
    );
    expect(await submit(`fail-${tag()}@example.com`)).toBe(
      "/sign-in?error=EmailSignInError&callbackUrl=%2Fsettings%2Fbilling",
    );
  });
});
