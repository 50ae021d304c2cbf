// pgBackRest with a repository host: how WAL leaves a PostgreSQL whose networks are all internal.
// `mhylle-pgbackrest` (same derived image, running `pgbackrest server`) sits on the database network
// and on one network with egress; it holds repo1 (the volume) and repo2 (the bucket), the cipher
// passphrase and the bucket's keys. PostgreSQL's archive_command pushes to it over TLS with a
// client certificate; PostgreSQL's own file names the repository host and the TLS files and holds
// no passphrase and no bucket key (measured: archive-push encrypts with the repository's own
// sub-passphrase, which the repository host serves). The repository host reaches PostgreSQL the
// same way (`pgbackrest server` in the PostgreSQL container) for stanza-create and backups, which
// pgBackRest runs on the repository host. Option names: pgBackRest 2.45's command reference
// (server: tls-server-*; repository/stanza: repo-host-*, pg-host-*). docs/engine-notes.md section 20.
import type { BackupsConfig } from "../../config/schema";
import { script, shq } from "../shell";
import { GLOBAL_SETTINGS, PGBACKREST_STANZA, PGDATA, repos, repositoryLines, type PgBackRestSecrets, type Repo2Endpoint } from "./pgbackrest";

/** The repository host's container name, and the name PostgreSQL reaches it by on the database network. */
export const PGBACKREST_HOST = "mhylle-pgbackrest";
/**
 * The repository host's own network with egress (the bucket is on the internet); restores from the
 * bucket run their throwaway containers on it too, never on Docker's default network.
 */
export const PGBACKREST_EGRESS_NETWORK = "mhylle-pgbackrest-egress";
/** PostgreSQL's container name (components/database.ts), as the repository host reaches it. */
export const POSTGRES_HOST = "mhylle-postgres";
/** PostgreSQL's side of the file on the host (nothing secret, but 0600 as the other), beside the repository host's PGBACKREST_CONF. */
export const PGBACKREST_POSTGRES_CONF = "secrets/pgbackrest-postgres.conf";
/** pgBackRest's TLS server port (its default, said out loud so both sides agree). */
export const PGBACKREST_TLS_PORT = 8432;
/** Where each container finds its TLS files: the CA, its own certificate, its own key (0600, owned by postgres). */
export const PGBACKREST_TLS_DIR = "/etc/pgbackrest/tls";
export const TLS_FILES = { ca: `${PGBACKREST_TLS_DIR}/ca.crt`, cert: `${PGBACKREST_TLS_DIR}/server.crt`, key: `${PGBACKREST_TLS_DIR}/server.key` } as const;
/** archive-async's spool in the PostgreSQL container: status files only (the WAL stays in pg_wal until pushed). */
export const PGBACKREST_SPOOL = "/var/spool/pgbackrest";
/**
 * How much WAL may wait in pg_wal while a repository cannot be reached. Past it pgBackRest tells
 * PostgreSQL the segment is archived and drops it (a gap in the archive, with a warning in the
 * log) rather than filling the disk and stopping every app's writes.
 */
export const ARCHIVE_PUSH_QUEUE_MAX = "4GiB";
/**
 * The repository host's I/O timeout (pgBackRest's default is 60 s). An S3 request is retried until
 * this much time has passed, and each repository's archive.info is read (file, then copy) before any
 * WAL is pushed, so while the bucket does not answer every push waits about twice this before it
 * goes on to repo1 alone (docs/engine-notes.md section 22). Shorter fails a slow but working bucket.
 */
export const REPO_HOST_IO_TIMEOUT_SECONDS = 10;

const tls = (prefix: string) => [
    `${prefix}-type=tls`,
    `${prefix}-port=${PGBACKREST_TLS_PORT}`,
    `${prefix}-ca-file=${TLS_FILES.ca}`,
    `${prefix}-cert-file=${TLS_FILES.cert}`,
    `${prefix}-key-file=${TLS_FILES.key}`,
];

// Each side serves TLS to the other alone: the client certificate's CN must be the peer's name.
const server = (peer: string) => [
    "tls-server-address=*",
    `tls-server-port=${PGBACKREST_TLS_PORT}`,
    `tls-server-ca-file=${TLS_FILES.ca}`,
    `tls-server-cert-file=${TLS_FILES.cert}`,
    `tls-server-key-file=${TLS_FILES.key}`,
    `tls-server-auth=${peer}=${PGBACKREST_STANZA}`,
];

/** The repository host's pgbackrest.conf (secret: the passphrase and the bucket's keys). */
export function repoHostConf(b: BackupsConfig, secrets: PgBackRestSecrets, endpoint?: Repo2Endpoint): string {
    return [
        "[global]",
        ...repositoryLines(b, secrets, endpoint),
        ...GLOBAL_SETTINGS,
        `io-timeout=${REPO_HOST_IO_TIMEOUT_SECONDS}`,
        ...server(POSTGRES_HOST),
        "",
        `[${PGBACKREST_STANZA}]`,
        `pg1-host=${POSTGRES_HOST}`,
        ...tls("pg1-host"),
        `pg1-path=${PGDATA}`,
        "pg1-socket-path=/var/run/postgresql",
        "",
    ].join("\n");
}

/** PostgreSQL's pgbackrest.conf: every repository through the repository host; nothing secret in it. */
export function postgresSideConf(b: BackupsConfig): string {
    return [
        "[global]",
        ...repos(b).flatMap((n) => [`repo${n}-host=${PGBACKREST_HOST}`, ...tls(`repo${n}-host`)]),
        // Asynchronous: when one repository cannot be reached the others still get WAL ahead of it
        // (pgBackRest's user guide, Multiple Repositories).
        "archive-async=y",
        `spool-path=${PGBACKREST_SPOOL}`,
        `archive-push-queue-max=${ARCHIVE_PUSH_QUEUE_MAX}`,
        ...GLOBAL_SETTINGS,
        ...server(PGBACKREST_HOST),
        "",
        `[${PGBACKREST_STANZA}]`,
        `pg1-path=${PGDATA}`,
        "pg1-socket-path=/var/run/postgresql",
        "",
    ].join("\n");
}

/** The repository host's command: the image's entrypoint runs anything that is not `postgres` as given. */
export const REPO_HOST_COMMAND = ["pgbackrest", "server"];
/** Its health check: its TLS server answers (no authentication is attempted). */
export const REPO_HOST_HEALTH = ["pgbackrest", "server-ping"];

/**
 * For each new pair of containers (their IDs key it): `pgbackrest server` in PostgreSQL's container
 * (backups reach PostgreSQL through it; the backup job starts it again if a restart lost it), then
 * the stanza made or checked from the repository host (archive-push fails until it exists). On a
 * rebuilt server the bucket still holds the lost cluster's stanza, which the new, empty cluster does
 * not match: that is the state restore-cluster starts from, so it is reported and nothing is made.
 */
export function connectScript(pgId: string, repoId: string): string {
    return script(
        `# containers ${pgId} ${repoId}`,
        `pg=\${PLATFORM_POSTGRES_CONTAINER:-${shq(POSTGRES_HOST)}} repo=\${PLATFORM_PITR_PB_CONTAINER:-${shq(PGBACKREST_HOST)}} peer=${shq(POSTGRES_HOST)}`,
        'ping() { docker exec --user postgres "$repo" pgbackrest server-ping "$peer" >/dev/null 2>&1; }',
        'ping || docker exec -d --user postgres "$pg" pgbackrest server',
        "for _ in $(seq 1 30); do ping && break; sleep 1; done",
        'ping || { echo "pgbackrest server in $pg does not answer the repository host" >&2; exit 1; }',
        // A rebuilt server: the repositories hold the lost cluster, not this empty one. stanza-create
        // would make repo1 for this one (and then fail on the bucket); restore-cluster makes it after.
        `sysid=$(docker exec "$pg" psql -X -At -U postgres -c "SELECT system_identifier FROM pg_catalog.pg_control_system()")`,
        `held=$(docker exec --user postgres "$repo" pgbackrest --stanza=${PGBACKREST_STANZA} --output=json info 2>/dev/null | grep -o '"system-id":[0-9]*' | cut -d: -f2 | sort -u || true)`,
        'if [ -n "$held" ] && ! grep -qxF "$sysid" <<<"$held"; then',
        '  echo "the repositories hold another cluster (a rebuilt server?): restore it with restore-cluster --yes --repo 2 (docs/runbooks/rebuild-the-server.md); archiving fails until then" >&2',
        "  exit 0",
        "fi",
        // archive-push holds the archive lock while it pushes; stanza-create waits for it.
        "for _ in $(seq 1 60); do",
        `  out=$(docker exec --user postgres "$repo" pgbackrest --stanza=${PGBACKREST_STANZA} stanza-create 2>&1) && ok=1 || ok=0`,
        '  if [ "$ok" = 0 ] && [[ "$out" == *"unable to acquire lock"* ]]; then sleep 2; else break; fi',
        "done",
        'printf "%s\\n" "$out"',
        'if [ "$ok" = 0 ]; then echo "stanza-create failed" >&2; exit 1; fi',
    );
}
