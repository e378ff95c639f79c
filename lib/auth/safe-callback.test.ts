import { describe, expect, it } from "vitest";
import { DEFAULT_AFTER_SIGN_IN, safeCallbackPath } from "./safe-callback";

const APP = "http://localhost:3000";

describe("safeCallbackPath", () => {
  it.each([
    ["/settings/billing", "/settings/billing"],
    ["/settings/billing?flow=cancel#top", "/settings/billing?flow=cancel#top"],
    ["http://localhost:3000/settings?tab=1", "/settings?tab=1"],
    ["/a/../settings", "/settings"],
  ])("keeps the same-origin path %s", (input, expected) => {
    expect(safeCallbackPath(input, APP)).toBe(expected);
  });

  it.each([
    "https://evil.example",
    "https://evil.example/settings/billing",
    "//evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "settings",
    "http://localhost:3001/settings",
    "/\u0000x",
    "",
    undefined,
    42,
  ])("replaces %j with the default", (input) => {
    expect(safeCallbackPath(input, APP)).toBe(DEFAULT_AFTER_SIGN_IN);
  });
});
