import { describe, expect, it } from "vitest";
import { ownCallbackPath, parseSignInConfirmation, signInConfirmationLink } from "./sign-in-link";

const APP = "http://localhost:3000";
const token = "0123456789abcdef".repeat(4);
const email = "jo@example.com";

describe("signInConfirmationLink", () => {
  it("points the email at the confirmation page with Auth.js's query unchanged", () => {
    const query = new URLSearchParams({
      callbackUrl: `${APP}/api/billing/portal?flow=cancel`,
      token,
      email,
    });
    const link = signInConfirmationLink(`${APP}/api/auth/callback/email?${query}`, APP);
    expect(link).toBe(`${APP}/sign-in/confirm?${query}`);
    const parsed = parseSignInConfirmation(Object.fromEntries(new URL(link).searchParams), APP);
    expect(parsed).toEqual({
      ok: true,
      email,
      callbackPath: "/api/billing/portal?flow=cancel",
      action: `/api/auth/callback/email?${new URLSearchParams({
        callbackUrl: "/api/billing/portal?flow=cancel",
        token,
        email,
      })}`,
    });
  });

  it.each([
    `https://evil.example/api/auth/callback/email?token=${token}`,
    `${APP}/api/auth/callback/github?token=${token}`,
  ])("refuses to rewrite %s", (url) => {
    expect(() => signInConfirmationLink(url, APP)).toThrow(/AUTH_URL/);
  });
});

describe("ownCallbackPath", () => {
  it.each([
    ["/settings/billing", "/settings/billing"],
    [`${APP}/settings?tab=1`, "/settings?tab=1"],
    [
      "/api/billing/portal?flow=switch&price=team_yearly",
      "/api/billing/portal?flow=switch&price=team_yearly",
    ],
  ])("keeps %s", (input, expected) => {
    expect(ownCallbackPath(input, APP)).toBe(expected);
  });

  it.each([
    "https://evil.example/settings",
    "http://localhost:3001/settings",
    "//evil.example",
    "/\\evil.example",
    "/..//evil.example",
    "javascript:alert(1)",
    "settings",
    "/\u0000x",
    "",
  ])("refuses %j", (input) => {
    expect(ownCallbackPath(input, APP)).toBeNull();
  });
});

describe("parseSignInConfirmation", () => {
  const good = { callbackUrl: `${APP}/settings/billing`, token, email };

  it.each([
    ["a foreign callbackUrl", { ...good, callbackUrl: "https://evil.example/steal" }],
    ["no callbackUrl", { token, email }],
    ["no token", { callbackUrl: good.callbackUrl, email }],
    ["a token with markup", { ...good, token: "<script>alert(1)</script>" }],
    ["a short token", { ...good, token: "abc" }],
    ["no email", { callbackUrl: good.callbackUrl, token }],
    ["a bad email", { ...good, email: "not-an-email" }],
    ["a repeated parameter", { ...good, callbackUrl: ["/settings", "https://evil.example"] }],
  ])("refuses %s", (_name, query) => {
    expect(parseSignInConfirmation(query, APP)).toEqual({ ok: false });
  });

  it("always targets our own email callback", () => {
    const parsed = parseSignInConfirmation(good, APP);
    expect(parsed.ok && new URL(parsed.action, APP).pathname).toBe("/api/auth/callback/email");
  });
});
