// Bash run on the server to apply database SQL through the postgres container.
import { POSTGRES_CONTAINER } from "../config/naming";
import { heredoc, script, shq } from "./shell";
import { ROLE_PASSWORD_ENV } from "./database-sql";

/** Waits for postgres to accept connections (at most `timeoutSeconds`). */
export function waitForPostgres(timeoutSeconds = 120): string {
    return [
        `for _ in $(seq 1 ${timeoutSeconds}); do`,
        `  docker exec ${POSTGRES_CONTAINER} pg_isready -q -h 127.0.0.1 -U postgres && break`,
        "  sleep 1",
        "done",
        `docker exec ${POSTGRES_CONTAINER} pg_isready -h 127.0.0.1 -U postgres >/dev/null || { echo "${POSTGRES_CONTAINER} is not accepting connections after ${timeoutSeconds}s" >&2; exit 1; }`,
    ].join("\n");
}

const psql = `docker exec -i -e ${ROLE_PASSWORD_ENV} ${POSTGRES_CONTAINER} psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres`;

/** Runs `sql` as the superuser; with `passwordOnStdin`, the first stdin line is the role's password. */
export function psqlScript(sql: string, passwordOnStdin: boolean): string {
    return script(
        passwordOnStdin ? `IFS= read -r ${ROLE_PASSWORD_ENV}` : `${ROLE_PASSWORD_ENV}=`,
        `export ${ROLE_PASSWORD_ENV}`,
        waitForPostgres(),
        `${psql} ${heredoc(sql, "SQL")}`,
    );
}

export interface ExternalPostgres {
    readonly host: string;
    readonly port: number;
    readonly adminUser: string;
    /** The server's CA certificate: the connection checks the server against it (verify-full). */
    readonly caFile: string;
}

/**
 * Runs `sql` as the admin of a PostgreSQL elsewhere (the managed database's stand-in in tests),
 * over TLS checked against its CA. stdin: the admin's password, then (with `rolePassword`) the
 * role's, one a line.
 */
export function externalPsqlScript(sql: string, pg: ExternalPostgres, rolePassword: boolean): string {
    const conninfo = `host=${pg.host} port=${pg.port} user=${pg.adminUser} dbname=postgres sslmode=verify-full sslrootcert=${pg.caFile}`;
    return script(
        "IFS= read -r PGPASSWORD",
        "export PGPASSWORD",
        rolePassword ? `IFS= read -r ${ROLE_PASSWORD_ENV}` : `${ROLE_PASSWORD_ENV}=`,
        `export ${ROLE_PASSWORD_ENV}`,
        `psql -X -q -v ON_ERROR_STOP=1 ${shq(conninfo)} ${heredoc(sql, "SQL")}`,
    );
}
