// What apps and the platform's jobs need to reach the managed database: its address on the private
// network, TLS required and checked against the instance's own certificate, and the env lines each
// gets. Pure: plain values in, text out.
import { shq } from "./shell";

/** The instance's admin (Scaleway needs one; the platform never uses it after creation). */
export const MANAGED_ADMIN_USER = "platform_admin";
/** Reads every app database for the nightly dump; nothing else. */
export const BACKUP_USER = "platform_backup";
/** The instance's certificate on each server (not a secret: it is what the server proves itself with). */
export const SERVER_CA_FILE = "database/ca.pem";
/** "HOST PORT" of the instance on the private network, for the status report on every server. */
export const SERVER_ENDPOINT_FILE = "database/endpoint";
/** Where app containers and the dump find it. */
export const CONTAINER_CA_PATH = "/run/platform/database-ca.pem";
/** The backup user's connection, for the nightly dump and the status report (mode 0600). */
export const BACKUP_ENV_FILE = "secrets/managed-database.env";

export type SslMode = "verify-full" | "verify-ca" | "require";

export interface DatabaseEndpoint {
    readonly host: string;
    readonly port: number;
}

export interface DatabaseLogin {
    readonly user: string;
    readonly password: string;
    readonly database: string;
}

/** A connection URL with TLS required; user and password are URL-safe by construction (see the component). */
export function databaseUrl(login: DatabaseLogin, at: DatabaseEndpoint, sslMode: SslMode): string {
    const enc = encodeURIComponent;
    return `postgres://${enc(login.user)}:${enc(login.password)}@${at.host}:${at.port}/${enc(login.database)}?sslmode=${sslMode}&sslrootcert=${CONTAINER_CA_PATH}`;
}

/** A backend's database lines: its database on the instance, and on a read replica when it asked for one. */
export function managedEnvLines(login: DatabaseLogin, at: DatabaseEndpoint, sslMode: SslMode, read?: DatabaseEndpoint): string[] {
    return [
        `DATABASE_HOST=${at.host}`,
        `DATABASE_PORT=${at.port}`,
        `DATABASE_NAME=${login.database}`,
        `DATABASE_USER=${login.user}`,
        `DATABASE_PASSWORD=${login.password}`,
        `DATABASE_SSLMODE=${sslMode}`,
        `DATABASE_SSLROOTCERT=${CONTAINER_CA_PATH}`,
        `DATABASE_URL=${databaseUrl(login, at, sslMode)}`,
        ...(read ? [`DATABASE_READ_URL=${databaseUrl(login, read, sslMode)}`] : []),
    ];
}

/** libpq's variables for the backup user: what pg_dump and psql read in the dump's container. */
export function backupEnvFile(password: string, at: DatabaseEndpoint, sslMode: SslMode, user = BACKUP_USER): string {
    return [`PGHOST=${at.host}`, `PGPORT=${at.port}`, `PGUSER=${user}`, `PGPASSWORD=${password}`, `PGSSLMODE=${sslMode}`, `PGSSLROOTCERT=${CONTAINER_CA_PATH}`, "PGDATABASE=postgres"].join("\n") + "\n";
}

/**
 * Writes the instance's address (first stdin line: "HOST PORT") and certificate (the rest) to the
 * server: public facts, readable by app containers; the folder only the deploy user writes.
 */
export function installCaScript(root: string): string {
    return [
        "set -euo pipefail",
        `file=${shq(`${root}/${SERVER_CA_FILE}`)} endpoint=${shq(`${root}/${SERVER_ENDPOINT_FILE}`)}`,
        'mkdir -p "$(dirname "$file")"',
        'IFS= read -r address',
        '[[ "$address" =~ ^[0-9A-Za-z.:-]+\\ [0-9]+$ ]] || { echo "the managed database sent no address (got: $address)" >&2; exit 1; }',
        'tmp=$(mktemp "$file.XXXXXX")',
        'cat >"$tmp"',
        'grep -q "BEGIN CERTIFICATE" "$tmp" || { rm -f "$tmp"; echo "the managed database sent no certificate" >&2; exit 1; }',
        'chmod 644 "$tmp" && mv -f "$tmp" "$file"',
        'printf \'%s\\n\' "$address" >"$endpoint.tmp" && chmod 644 "$endpoint.tmp" && mv -f "$endpoint.tmp" "$endpoint"',
    ].join("\n");
}
