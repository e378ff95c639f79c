import { describe, expect, it } from "vitest";
import { errorDigest, requestErrorLine } from "@/lib/request-id";

describe("requestErrorLine", () => {
  it("is one line with the reference, the route and the cause, never the query or a secret", () => {
    const error = Object.assign(
      new Error(
        "Can't reach database server at postgres://app:hunter2@db.internal:5432/app\n  with sk_live_abc123 and whsec_xyz",
      ),
      { digest: "1484496769", code: "P1001" },
    );
    const line = requestErrorLine(
      error,
      { method: "GET", path: "/api/auth/callback/email?token=secret-token&email=a%40b.c" },
      { routePath: "/api/auth/[...nextauth]", routeType: "route" },
    );
    expect(line.split("\n")).toHaveLength(1);
    expect(line).toMatch(
      /^\[request-error\] ref=1484496769 GET \/api\/auth\/callback\/email \/api\/auth\/\[\.\.\.nextauth\] \(route\): Error P1001: /,
    );
    for (const secret of ["secret-token", "hunter2", "sk_live_abc123", "whsec_xyz"]) {
      expect(line).not.toContain(secret);
    }
  });

  it("reads Next's digest only when it is a non-empty string", () => {
    expect(errorDigest(Object.assign(new Error("x"), { digest: "42" }))).toBe("42");
    expect(errorDigest(Object.assign(new Error("x"), { digest: "" }))).toBeUndefined();
    expect(errorDigest("boom")).toBeUndefined();
  });
});
