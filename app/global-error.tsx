"use client";

/**
 * Last resort, when the root layout itself fails: it replaces the whole document, so it brings
 * its own <html>, <body> and styles (globals.css is not loaded here). The colors are the theme's
 * (app/globals.css), light and dark following the system setting like the rest of the site.
 */
const THEME = `
:root {
  color-scheme: light dark;
  --background: oklch(1 0 0);
  --foreground: oklch(0.145 0 0);
  --muted-foreground: oklch(0.5 0 0);
  --primary: oklch(0.205 0 0);
  --primary-foreground: oklch(0.985 0 0);
  --ring: oklch(0.708 0 0);
}
@media (prefers-color-scheme: dark) {
  :root {
    --background: oklch(0.145 0 0);
    --foreground: oklch(0.985 0 0);
    --muted-foreground: oklch(0.708 0 0);
    --primary: oklch(0.922 0 0);
    --primary-foreground: oklch(0.205 0 0);
    --ring: oklch(0.556 0 0);
  }
}
.global-error-retry:focus-visible {
  outline: 3px solid var(--ring);
  outline-offset: 2px;
}
`;

export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest =
    typeof error === "object" && error !== null && "digest" in error && error.digest
      ? String(error.digest)
      : undefined;
  return (
    <html lang="en">
      <head>
        <style>{THEME}</style>
      </head>
      <body
        style={{
          margin: 0,
          minHeight: "100vh",
          display: "grid",
          placeItems: "center",
          fontFamily: "system-ui, sans-serif",
          color: "var(--foreground)",
          background: "var(--background)",
        }}
      >
        <title>Something went wrong</title>
        <main style={{ maxWidth: "28rem", padding: "2rem", textAlign: "center" }} role="alert">
          <h1 style={{ fontSize: "1.5rem", fontWeight: 600 }}>Something went wrong</h1>
          <p style={{ color: "var(--muted-foreground)" }}>
            The site could not be loaded just now. It is usually brief: please try again in a
            moment.
          </p>
          <button
            type="button"
            onClick={() => retry()}
            className="global-error-retry"
            style={{
              marginTop: "1rem",
              height: "2.25rem",
              padding: "0 1rem",
              border: 0,
              borderRadius: "0.5rem",
              background: "var(--primary)",
              color: "var(--primary-foreground)",
              fontSize: "0.875rem",
              fontWeight: 500,
              cursor: "pointer",
            }}
          >
            Try again
          </button>
          {digest && (
            <p style={{ marginTop: "2rem", fontSize: "0.75rem", color: "var(--muted-foreground)" }}>
              If it keeps happening, contact support with this reference: <code>{digest}</code>
            </p>
          )}
        </main>
      </body>
    </html>
  );
}
