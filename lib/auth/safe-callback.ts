/** Where a signed-in user lands when no (valid) destination was requested. */
export const DEFAULT_AFTER_SIGN_IN = "/settings/billing";

/**
 * Accepts only same-origin paths ("/settings/billing?x=1"); anything that could leave the site
 * (absolute URLs, protocol-relative "//evil", backslash tricks, control characters) becomes the
 * default. This is what stops `?callbackUrl=https://evil.example` from being an open redirect.
 */
export function safeCallbackPath(value: unknown, appUrl: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) {
    return DEFAULT_AFTER_SIGN_IN;
  }
  // Same-origin absolute URLs (as Auth.js produces them) are reduced to their path.
  let candidate = value;
  if (/^https?:\/\//i.test(candidate)) {
    try {
      const url = new URL(candidate);
      if (url.origin !== new URL(appUrl).origin) return DEFAULT_AFTER_SIGN_IN;
      candidate = url.pathname + url.search + url.hash;
    } catch {
      return DEFAULT_AFTER_SIGN_IN;
    }
  }
  if (
    !candidate.startsWith("/") ||
    candidate.startsWith("//") ||
    /[\\\u0000-\u001f]/.test(candidate)
  ) {
    return DEFAULT_AFTER_SIGN_IN;
  }
  // Resolve against a dummy origin to normalise "/./" and "/../" and be sure it stays on-site.
  const resolved = new URL(candidate, "http://same-origin.invalid");
  if (resolved.origin !== "http://same-origin.invalid") return DEFAULT_AFTER_SIGN_IN;
  return resolved.pathname + resolved.search + resolved.hash;
}
