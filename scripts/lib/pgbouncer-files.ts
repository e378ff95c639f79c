import { execFileSync } from "node:child_process";
import { chownSync, existsSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

// PgBouncer's files (its ini and auth_file) and, when run as root, their owner: the `postgres` user.

export function ini(config: {
  upstreamHost: string;
  upstreamPort: string;
  port: number;
  authFile: string;
  passwordAuth: boolean;
  poolSize: number;
}): string {
  return [
    "[databases]",
    // Any database name the client asks for, on the upstream server (tests make private ones).
    `* = host=${config.upstreamHost} port=${config.upstreamPort}`,
    "",
    "[pgbouncer]",
    "listen_addr = 127.0.0.1",
    `listen_port = ${config.port}`,
    // No Unix socket (it would land in /tmp, shared with every other PgBouncer on the machine).
    "unix_socket_dir =",
    "pool_mode = transaction",
    // The client proves the URL's password (SCRAM, like Neon and Supabase); PgBouncer logs in to
    // the server with the same plain-text password from auth_file, whatever method the server uses.
    `auth_type = ${config.passwordAuth ? "scram-sha-256" : "trust"}`,
    `auth_file = ${config.authFile}`,
    "max_client_conn = 500",
    `default_pool_size = ${config.poolSize}`,
    // Every private database gets its own pool; cap the total below Postgres's max_connections
    // (100 by default) so direct connections still fit. PgBouncer closes idle server connections
    // of other pools when a pool needs one.
    "max_user_connections = 60",
    // Startup parameters some drivers send that PgBouncer cannot track per pooled connection.
    "ignore_startup_parameters = extra_float_digits,options,statement_timeout",
    "server_login_retry = 1",
    // A client waiting for a server connection (the database is down) gets an error after 5 s
    // instead of 120 s, so a test sees the failure within a webhook delivery's timeout.
    "query_wait_timeout = 5",
    "log_connections = 0",
    "log_disconnections = 0",
    "log_pooler_errors = 1",
    "",
  ].join("\n");
}

export type Ids = { uid: number; gid: number };

export function postgresIds(): Ids {
  try {
    const id = (flag: string) =>
      Number.parseInt(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim(), 10);
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    throw new Error(
      "PgBouncer cannot run as root and there is no 'postgres' user to run it as (start the embedded Postgres first, or `useradd --system postgres`).",
    );
  }
}

/** As root, the `postgres` user must be able to enter every parent folder of the ini. */
export function assertTraversable(dir: string): void {
  for (let parent = path.dirname(dir); ; parent = path.dirname(parent)) {
    if (existsSync(parent) && (statSync(parent).mode & 0o001) === 0) {
      throw new Error(
        `PgBouncer cannot use ${dir}: its parent folder ${parent} is not enterable by the 'postgres' user (run \`chmod o+x ${parent}\` or set TMPDIR).`,
      );
    }
    if (path.dirname(parent) === parent) return;
  }
}

export function writePrivate(file: string, text: string, owner: Ids | undefined): void {
  writeFileSync(file, text, { mode: 0o600 });
  if (owner) chownSync(file, owner.uid, owner.gid);
}

/** auth_file syntax: double-quoted, with `"` doubled. */
export function quote(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}
