import pg from "pg";

/**
 * The newest sign-in link emailed to `email`, read from the same outbox table the app writes
 * (a production build has no /dev/outbox page). Polls briefly: the email is written during the
 * sign-in request, but the browser may get there first. The link opens the confirmation page
 * (`/sign-in/confirm`); `openSignInLink` in ./sign-in.ts also presses its button.
 */
export async function latestSignInLink(email: string, timeoutMs = 10_000): Promise<string> {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error("DATABASE_URL is not set: run end-to-end tests with `npm run test:e2e`");
  const client = new pg.Client(url);
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await client.query<{ url: string | null }>(
        'SELECT url FROM "OutboxEmail" WHERE "to" = $1 ORDER BY "createdAt" DESC LIMIT 1',
        [email.toLowerCase()],
      );
      const link = result.rows[0]?.url;
      if (link) return link;
      if (Date.now() > deadline) throw new Error(`no sign-in email for ${email} in the outbox`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await client.end();
  }
}
