"use client";

/**
 * Last resort, when the root layout itself fails: it replaces the whole document, so it brings
 * its own <html>, <body> and inline styles (globals.css is not loaded here).
 */
export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest =
    typeof error === "object" && error !== null && "digest" in error && error.digest
      ? String(error.digest)
      : undefined;
  return (
    <html lang="en">
      <body
        style={{
          margin: 0,
          minHeight: "100vh",
          display: "grid",
          placeItems: "center",
          fontFamily: "system-ui, sans-serif",
          color: "#0f172a",
          background: "#f8fafc",
        }}
      >
        <title>Something went wrong</title>
        <main style={{ maxWidth: "28rem", padding: "2rem", textAlign: "center" }} role="alert">
          <h1 style={{ fontSize: "1.5rem", fontWeight: 600 }}>Something went wrong</h1>
          <p style={{ color: "#475569" }}>
            The site could not be loaded just now. It is usually brief: please try again in a
            moment.
          </p>
          <button
            type="button"
            onClick={() => retry()}
            style={{
              marginTop: "1rem",
              padding: "0.625rem 1.25rem",
              border: 0,
              borderRadius: "0.375rem",
              background: "#0f172a",
              color: "white",
              fontSize: "0.875rem",
              cursor: "pointer",
            }}
          >
            Try again
          </button>
          {digest && (
            <p style={{ marginTop: "2rem", fontSize: "0.75rem", color: "#64748b" }}>
              If it keeps happening, contact support with this reference: <code>{digest}</code>
            </p>
          )}
        </main>
      </body>
    </html>
  );
}
