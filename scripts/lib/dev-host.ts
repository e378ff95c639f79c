/**
 * `next dev` listens on every interface by default, and this app in development shows every
 * emailed sign-in link at /dev/outbox: anyone on the same network could sign in as any account.
 * So it listens on localhost only (the name, not 127.0.0.1: Next prints and uses the name, and
 * APP_URL, cookies and Auth.js callbacks all say localhost), unless the developer asks for more
 * with DEV_HOST (e.g. DEV_HOST=0.0.0.0 to try the app from a phone) or `npm run dev -- -H ...`.
 */
export function devHostnameArgs(
  args: readonly string[],
  devHost: string | undefined,
  warn: (line: string) => void,
): string[] {
  const given = args.findIndex(
    (a) => a === "-H" || a === "--hostname" || a.startsWith("--hostname="),
  );
  const host =
    given === -1
      ? devHost?.trim() || "localhost"
      : (args[given]!.split("=")[1] ?? args[given + 1] ?? "");
  if (!/^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i.test(host)) {
    warn(
      `dev: listening on ${host}: anyone who can reach this machine can read /dev/outbox and sign in as any account (without DEV_HOST or -H it listens on localhost only).`,
    );
  }
  return given === -1 ? ["--hostname", host] : [];
}
