import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// lib/env reads the environment at import: a test-mode key, no Stripe call is made here.
process.env.STRIPE_SECRET_KEY ??= "sk_test_send_sign_in_email_unit";

type EnvOverrides = Partial<
  Record<"NODE_ENV" | "EMAIL_SERVER" | "EMAIL_OUTBOX", string | undefined>
>;

/**
 * sendSignInEmail with lib/env's values replaced (a production deployment cannot be made by
 * setting NODE_ENV here: lib/env refuses it at import, which is the first line of defence) and,
 * optionally, the request's headers.
 */
async function load(overrides: EnvOverrides, requestHeaders?: Record<string, string>) {
  vi.resetModules();
  vi.doMock("@/lib/env", async (importOriginal) => {
    const actual = await importOriginal<typeof import("@/lib/env")>();
    return { env: { ...actual.env, ...overrides } };
  });
  if (requestHeaders) {
    vi.doMock("next/headers", () => ({ headers: async () => new Headers(requestHeaders) }));
  }
  const { sendSignInEmail } = await import("./send-sign-in-email");
  const { db } = await import("@/lib/db");
  return { sendSignInEmail, db };
}

const tag = () => randomUUID().slice(0, 8);
const linkFor = (to: string) =>
  `http://localhost:3000/api/auth/callback/email?token=${tag()}&email=${encodeURIComponent(to)}`;
const uniqueIpv4 = () =>
  `203.0.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;

let info: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  info = vi.spyOn(console, "info").mockImplementation(() => undefined);
  // Keep each test's emails in one 10-minute window.
  const window = 600_000;
  vi.useFakeTimers({
    toFake: ["Date"],
    now: Math.floor(Date.now() / window) * window + window / 2,
  });
});
afterEach(() => {
  vi.useRealTimers();
  info.mockRestore();
  vi.doUnmock("@/lib/env");
  vi.doUnmock("next/headers");
  vi.resetModules();
});

const printed = () =>
  info.mock.calls.map((call: unknown[]) => call.map(String).join(" ")).join("\n");

describe("sendSignInEmail without an SMTP server", () => {
  it("in development, saves the email to the outbox and prints the link", async () => {
    const { sendSignInEmail, db } = await load({
      NODE_ENV: "development",
      EMAIL_SERVER: undefined,
    });
    const to = `dev-${tag()}@example.com`;
    const url = linkFor(to);
    await sendSignInEmail({ to, url });
    expect(await db.outboxEmail.count({ where: { to, url } })).toBe(1);
    expect(printed()).toContain(url);
    // The email itself: its subject, the link in the text part and (escaped) in the HTML part.
    const stored = await db.outboxEmail.findFirst({ where: { to, url } });
    const { env } = await import("@/lib/env");
    expect(stored?.subject).toBe(`Sign in to ${new URL(env.APP_URL).host}`);
    expect(stored?.text).toContain(url);
    expect(stored?.html).toContain(`href="${url.replaceAll("&", "&amp;")}"`);
  });

  it("in production, refuses to send and logs no link", async () => {
    const { sendSignInEmail, db } = await load({
      NODE_ENV: "production",
      EMAIL_SERVER: undefined,
      EMAIL_OUTBOX: "0",
    });
    const to = `prod-${tag()}@example.com`;
    const url = linkFor(to);
    await expect(sendSignInEmail({ to, url })).rejects.toThrow(
      /EMAIL_SERVER is not set: refusing to send a sign-in link in production/,
    );
    expect(await db.outboxEmail.count({ where: { to } })).toBe(0);
    expect(printed()).not.toContain(url);
  });

  it("in a local production build with EMAIL_OUTBOX=1, fills the outbox but prints no link", async () => {
    const { sendSignInEmail, db } = await load({
      NODE_ENV: "production",
      EMAIL_SERVER: undefined,
      EMAIL_OUTBOX: "1",
    });
    const to = `e2e-${tag()}@example.com`;
    const url = linkFor(to);
    await sendSignInEmail({ to, url });
    expect(await db.outboxEmail.count({ where: { to, url } })).toBe(1);
    expect(printed()).not.toContain(url);
    expect(printed()).not.toContain("token=");
  });
});

describe("sendSignInEmail's limits (emails Auth.js sends outside the sign-in page's action)", () => {
  it("counts plus-addresses and case variants as one address", async () => {
    const { sendSignInEmail } = await load(
      { NODE_ENV: "development" },
      { "x-real-ip": uniqueIpv4() },
    );
    const local = `plus-${tag()}`;
    const results = [];
    for (let i = 0; i < 6; i++) {
      const to = `${i % 2 ? local.toUpperCase() : local}+${i}@example.com`;
      results.push(
        await sendSignInEmail({ to, url: linkFor(to) }).then(
          () => "sent",
          (e: Error) => e.name,
        ),
      );
    }
    expect(results).toEqual(["sent", "sent", "sent", "sent", "sent", "SignInEmailLimitError"]);
  });

  it("limits one client asking for links to many addresses", async () => {
    process.env.SIGN_IN_EMAILS_PER_IP = "3";
    try {
      const ip = uniqueIpv4();
      const { sendSignInEmail } = await load(
        { NODE_ENV: "development" },
        { "x-forwarded-for": `${ip}, 10.1.2.3` },
      );
      const results = [];
      for (let i = 0; i < 4; i++) {
        const to = `spray-${tag()}@example.com`;
        results.push(
          await sendSignInEmail({ to, url: linkFor(to) }).then(
            () => "sent",
            (e: Error) => e.message,
          ),
        );
      }
      expect(results.slice(0, 3)).toEqual(["sent", "sent", "sent"]);
      // The message names the limit, not the address.
      expect(results[3]).toMatch(/^Too many sign-in emails requested \(ip limit\)/);
    } finally {
      delete process.env.SIGN_IN_EMAILS_PER_IP;
    }
  });

  it("does not count again what the sign-in page's action already counted", async () => {
    const { sendSignInEmail } = await load(
      { NODE_ENV: "development" },
      { "x-real-ip": uniqueIpv4() },
    );
    const { withSignInLimitsChecked } = await import("@/lib/auth/sign-in-limits");
    const to = `checked-${tag()}@example.com`;
    for (let i = 0; i < 8; i++) {
      await withSignInLimitsChecked(() => sendSignInEmail({ to, url: linkFor(to) }));
    }
    const { db } = await import("@/lib/db");
    expect(await db.outboxEmail.count({ where: { to } })).toBe(8);
  });
});
