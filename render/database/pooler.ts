// PgBouncer between the apps and PostgreSQL, in transaction mode: it can PAUSE (hold every app's
// queries, no error) while PostgreSQL's container is replaced, and RESUME on the new one
// (docs/engine-notes.md section 23, docs/app-contract.md "Database connections").
import { POOLER_CONTAINER, POSTGRES_CONTAINER } from "../../config/naming";
import { script, shq } from "../shell";

/** Where the apps reach the pooler: the port they always used for PostgreSQL. */
export const POOLER_PORT = 5432;
/** The login PgBouncer looks app roles' SCRAM secrets up with (auth_query); nothing else. */
export const POOLER_AUTH_ROLE = "pgbouncer_auth";
/** Group role of every app's login role: the only roles the pooler lets in. */
export const APP_GROUP_ROLE = "platform_app";

/**
 * Creates the apps' group role if it is missing. Every app's provisioning and the pooler's run at
 * once (one command each, no order between them), so two sessions can both find no role: the
 * second CREATE then fails on pg_authid's unique index (unique_violation, not duplicate_object),
 * which a `WHERE NOT EXISTS` check does not prevent.
 */
export function appGroupRoleSql(): string {
    return `DO $$ BEGIN CREATE ROLE ${APP_GROUP_ROLE} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;\n`;
}
/** In the container: the config (plain) and the auth file (the auth role's password, 0600). */
export const POOLER_CONF_IN_CONTAINER = "/etc/pgbouncer/pgbouncer.ini";
export const POOLER_AUTH_FILE_IN_CONTAINER = "/run/secrets/pgbouncer-auth";
/** Unix socket folder (a tmpfs): the admin console, for the pooler's own user only. */
export const POOLER_SOCKET_DIR = "/tmp";
/** A PAUSE lasting longer than this (an `up` that failed or was killed) is resumed by itself. */
export const PAUSE_WATCHDOG_SECONDS = 300;
/** PAUSE waits for running transactions: one held open longer than this fails the `up` before PostgreSQL is stopped. */
export const PAUSE_TIMEOUT_SECONDS = 30;
/** A query held longer than this gets an error: well above the pause, below a client's patience. */
export const QUERY_WAIT_TIMEOUT_SECONDS = 60;
/** Server connections per app (role, database) pair; PostgreSQL's 100 must hold every app's. */
export const POOL_SIZE = 10;

export interface PoolerSettings {
    /** PostgreSQL's address as the pooler reaches it (the container's name on the database network). */
    readonly postgresHost: string;
    /** Clients the pooler accepts in all. */
    readonly maxClients: number;
}

/** pgbouncer.ini: no secret in it (the auth role's password is in the auth file). */
export function poolerConfig(s: PoolerSettings): string {
    return [
        "[databases]",
        // Any database, as the client's own role: PostgreSQL's CONNECT grants still decide who reaches what.
        `* = host=${s.postgresHost} port=5432`,
        "",
        "[pgbouncer]",
        "listen_addr = 0.0.0.0",
        `listen_port = ${POOLER_PORT}`,
        `unix_socket_dir = ${POOLER_SOCKET_DIR}`,
        "pool_mode = transaction",
        // Protocol-level prepared statements survive transaction pooling (1.21+).
        "max_prepared_statements = 200",
        "auth_type = scram-sha-256",
        `auth_file = ${POOLER_AUTH_FILE_IN_CONTAINER}`,
        `auth_user = ${POOLER_AUTH_ROLE}`,
        "auth_dbname = postgres",
        "auth_query = SELECT usename, passwd FROM pgbouncer.user_secret($1)",
        // No admin_users: the console answers only its own Unix user over the socket (docker exec).
        `max_client_conn = ${s.maxClients}`,
        `default_pool_size = ${POOL_SIZE}`,
        `query_wait_timeout = ${QUERY_WAIT_TIMEOUT_SECONDS}`,
        // A replaced PostgreSQL has a new address: look it up again at once, retry a login each second.
        "dns_max_ttl = 1",
        "server_login_retry = 1",
        "ignore_startup_parameters = extra_float_digits",
        "log_connections = 0",
        "log_disconnections = 0",
        "",
    ].join("\n");
}

/** The auth file's one line: the auth role and its password (the file is a secret, 0600). */
export const poolerAuthFile = (password: string) => {
    if (/["\n\r\0]/.test(password)) throw new Error("the pooler's password holds a quote or line break");
    return `"${POOLER_AUTH_ROLE}" "${password}"\n`;
};

/**
 * Run as the superuser in the postgres database (psqlScript; the auth role's password on stdin):
 * the auth role and the one function it may call, which returns a login's SCRAM secret only for
 * members of the apps' group (never a superuser, a replication or a platform role).
 */
export function poolerAuthSql(): string {
    const r = POOLER_AUTH_ROLE;
    return `\\set ON_ERROR_STOP on
\\getenv role_password PLATFORM_ROLE_PASSWORD
${appGroupRoleSql()}SELECT 'CREATE ROLE ${r} LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${r}')\\gexec
ALTER ROLE ${r} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT CONNECTION LIMIT 5 PASSWORD :'role_password';
GRANT CONNECT ON DATABASE postgres TO ${r};
CREATE SCHEMA IF NOT EXISTS pgbouncer AUTHORIZATION postgres;
REVOKE ALL ON SCHEMA pgbouncer FROM PUBLIC;
GRANT USAGE ON SCHEMA pgbouncer TO ${r};
CREATE OR REPLACE FUNCTION pgbouncer.user_secret(p_user text) RETURNS TABLE (usename name, passwd text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $fn$
    SELECT a.rolname, a.rolpassword FROM pg_catalog.pg_authid a
    WHERE a.rolname = p_user AND a.rolcanlogin AND NOT a.rolsuper AND NOT a.rolreplication AND NOT a.rolbypassrls
      AND (a.rolvaliduntil IS NULL OR a.rolvaliduntil > now())
      AND pg_catalog.pg_has_role(a.oid, '${APP_GROUP_ROLE}', 'MEMBER')
$fn$;
REVOKE ALL ON FUNCTION pgbouncer.user_secret(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbouncer.user_secret(text) TO ${r};
`;
}

/** The containers the scripts act on (the platform's; tests name their own). */
export interface PoolerContainers {
    readonly pooler: string;
    readonly postgres: string;
}
const CONTAINERS: PoolerContainers = { pooler: POOLER_CONTAINER, postgres: POSTGRES_CONTAINER };

/** The admin console, as the pooler's own user over its socket (no password exists for it). */
const admin = (command: string, timeoutSeconds?: number) =>
    `docker exec "$pooler" ${timeoutSeconds ? `timeout ${timeoutSeconds} ` : ""}psql -X -q -h ${POOLER_SOCKET_DIR} -p ${POOLER_PORT} -U pgbouncer pgbouncer -c ${shq(command)}`;
const WATCHDOG_PID = `${POOLER_SOCKET_DIR}/resume-watchdog.pid`;

/**
 * Before PostgreSQL's container is stopped: a CHECKPOINT (so the stop's own is short), then PAUSE
 * (running transactions finish, new queries wait) and a watchdog in the pooler that RESUMEs after
 * `watchdogSeconds` should the `up` never get to its RESUME. No pooler running: nothing to pause.
 */
export function pauseScript(key: string, c: PoolerContainers = CONTAINERS, watchdogSeconds = PAUSE_WATCHDOG_SECONDS, pauseTimeoutSeconds = PAUSE_TIMEOUT_SECONDS): string {
    return script(
        `# before PostgreSQL changes to ${key}`,
        `pooler=${shq(c.pooler)} postgres=${shq(c.postgres)}`,
        `if [ "$(docker inspect -f '{{.State.Running}}' "$pooler" 2>/dev/null)" != true ]; then echo "$pooler is not running: nothing to pause"; exit 0; fi`,
        `docker exec "$postgres" psql -X -q -U postgres -d postgres -c CHECKPOINT >/dev/null 2>&1 || true`,
        `docker exec "$pooler" sh -c 'kill "$(cat ${WATCHDOG_PID})" 2>/dev/null; rm -f ${WATCHDOG_PID}' || true`,
        `docker exec -d "$pooler" sh -c ${shq(`echo $$ >${WATCHDOG_PID}; sleep ${watchdogSeconds}; psql -X -q -h ${POOLER_SOCKET_DIR} -p ${POOLER_PORT} -U pgbouncer pgbouncer -c RESUME`)}`,
        `if ! ${admin("PAUSE", pauseTimeoutSeconds)} >/dev/null; then`,
        `  ${admin("RESUME")} >/dev/null 2>&1 || true`,
        `  docker exec "$pooler" sh -c 'kill "$(cat ${WATCHDOG_PID})" 2>/dev/null; rm -f ${WATCHDOG_PID}' || true`,
        `  echo "$pooler did not pause within ${pauseTimeoutSeconds}s (a transaction held open through it?): resumed, PostgreSQL was not stopped" >&2`,
        "  exit 1",
        "fi",
        'echo "$pooler paused at $(date -u +%H:%M:%S.%N | cut -c1-12)"',
    );
}

/**
 * After the new PostgreSQL answers: RESUME, then end the watchdog. A pooler that is not paused
 * answers an error, which is fine; any other failure keeps the watchdog (it resumes within its
 * limit) and fails the `up`, which would otherwise report success over paused apps.
 */
export function resumeScript(key: string, c: PoolerContainers = CONTAINERS): string {
    return script(
        `# after PostgreSQL is ${key}`,
        `pooler=${shq(c.pooler)}`,
        `if [ "$(docker inspect -f '{{.State.Running}}' "$pooler" 2>/dev/null)" != true ]; then echo "$pooler is not running: nothing to resume"; exit 0; fi`,
        `if ! out=$(${admin("RESUME")} 2>&1) && ! grep -qi 'not paused' <<<"$out"; then`,
        '  echo "RESUME failed: $out; the pooler\'s watchdog resumes it within its limit" >&2',
        "  exit 1",
        "fi",
        `docker exec "$pooler" sh -c 'kill "$(cat ${WATCHDOG_PID})" 2>/dev/null; rm -f ${WATCHDOG_PID}' || true`,
        'echo "$pooler resumed at $(date -u +%H:%M:%S.%N | cut -c1-12)"',
    );
}
