/** A URL for a log line: its password, if any, replaced by ***. */
export function redactUrl(url: URL | string): string {
  try {
    const copy = new URL(typeof url === "string" ? url : url.href);
    if (copy.password) copy.password = "***";
    return copy.href;
  } catch {
    return "(not a URL)";
  }
}
