import pg from "pg";

type OutboxRow = {
  subject: string;
  url: string | null;
  text: string;
  html: string | null;
  /** Milliseconds since the epoch (the column is UTC without a zone, as Prisma writes it). */
  createdAtMs: number;
};

/**
 * The newest email to `email` that `pick` accepts, read from the same outbox table the app writes
 * (a production build has no /dev/outbox page). Polls: the email may be written after the browser
 * or the drain gets there.
 */
async function pollOutbox(
  email: string,
  pick: (row: OutboxRow) => boolean,
  what: string,
  timeoutMs: number,
): Promise<OutboxRow> {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error("DATABASE_URL is not set: run end-to-end tests with `npm run test:e2e`");
  const client = new pg.Client(url);
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await client.query<OutboxRow>(
        'SELECT subject, url, text, html, (extract(epoch FROM "createdAt") * 1000)::float8 AS "createdAtMs" FROM "OutboxEmail" WHERE "to" = $1 ORDER BY "createdAt" DESC',
        [email.toLowerCase()],
      );
      const found = result.rows.find(pick);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} for ${email} in the outbox`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await client.end();
  }
}

/**
 * The newest sign-in link emailed to `email` (after `since`, for a second sign-in of the same
 * address: the earlier email is still there). The link opens the confirmation page
 * (`/sign-in/confirm`); `openSignInLink` in ./sign-in.ts also presses its button.
 */
export async function latestSignInLink(
  email: string,
  options: { since?: Date; timeoutMs?: number } = {},
): Promise<string> {
  const since = options.since?.getTime() ?? 0;
  const row = await pollOutbox(
    email,
    (r) => r.subject.startsWith("Sign in to ") && r.createdAtMs > since,
    "sign-in email",
    options.timeoutMs ?? 10_000,
  );
  if (!row.url) throw new Error(`the sign-in email for ${email} has no link`);
  return row.url;
}

/** The newest email to `email` whose subject matches. */
export function latestEmail(
  email: string,
  subject: RegExp,
  timeoutMs = 20_000,
): Promise<OutboxRow> {
  return pollOutbox(email, (r) => subject.test(r.subject), `email matching ${subject}`, timeoutMs);
}
