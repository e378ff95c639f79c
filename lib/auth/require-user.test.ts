import { beforeEach, describe, expect, it, vi } from "vitest";

// The database is down: Auth.js answers "no session" (it logs and swallows the adapter's error).
const auth = vi.fn(async () => null);
const findUnique = vi.fn(async () => {
  throw new Error("Can't reach database server");
});
let cookieValue: string | undefined;

vi.mock("@/lib/auth", () => ({ auth }));
vi.mock("@/lib/db", () => ({ db: { session: { findUnique } } }));
vi.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) =>
      name === "authjs.session-token" && cookieValue ? { value: cookieValue } : undefined,
  }),
}));

const { currentUser } = await import("@/lib/auth/require-user");

describe("currentUser when the session lookup fails", () => {
  beforeEach(() => {
    findUnique.mockClear();
  });

  it("a signed-in customer (a session cookie) gets the outage, not the sign-in page", async () => {
    cookieValue = "token-of-a-signed-in-customer";
    await expect(currentUser()).rejects.toThrow("Can't reach database server");
    expect(findUnique).toHaveBeenCalledOnce();
  });

  it("a visitor without a session cookie is simply anonymous, with no extra query", async () => {
    cookieValue = undefined;
    await expect(currentUser()).resolves.toBeNull();
    expect(findUnique).not.toHaveBeenCalled();
  });
});
