// The PostgreSQL client tools for the managed database: a throwaway container of the pinned
// PostgreSQL image on the host's network (the private network is the host's), logged in as the
// backup user, checking the server against the instance's certificate. Its private env file is
// split before each run: the password into a password file libpq reads (render/pgpass.sh), the
// rest into the container's env; no secret in what `docker inspect` shows of it.
import { shq } from "../shell";
import { pgpassFunctions } from "../pgpass";
import { BACKUP_ENV_FILE, CONTAINER_CA_PATH, SERVER_CA_FILE } from "../managed-database";

export interface ManagedClient {
    /** The pinned PostgreSQL image (images.postgres): its pg_dump is 15, as the instance. */
    readonly image: string;
    /** The databases the dump takes: every app's and shared_db. */
    readonly databases: readonly string[];
}

/** Shell lines setting pg_client and dbs for the backup script (overridable by tests). */
export function managedClientLines(m: ManagedClient): string[] {
    return [
        `pg_client_image=\${PLATFORM_PG_CLIENT_IMAGE:-${shq(m.image)}}`,
        `pg_env_file=\${PLATFORM_PG_ENV_FILE:-"$root/${BACKUP_ENV_FILE}"}`,
        `pg_ca_file=\${PLATFORM_PG_CA_FILE:-"$root/${SERVER_CA_FILE}"}`,
        pgpassFunctions(),
        // Beside the env file (the same private folder), remade from it every run.
        'pg_pass_file="${pg_env_file%.env}.pgpass" pg_plain_env="${pg_env_file%.env}.client.env"',
        'pgpass_split "$pg_env_file" "$pg_pass_file" "$pg_plain_env" || { echo "cannot read the managed database login in $pg_env_file" >&2; exit 1; }',
        `pg_client=(docker run --rm -i --network host --read-only --cap-drop ALL --security-opt no-new-privileges:true --user "$(pg_client_user)" --env-file "$pg_plain_env" -e PGPASSFILE="$pgpass_mount" -v "$pg_pass_file:$pgpass_mount:ro" -v "$pg_ca_file:${CONTAINER_CA_PATH}:ro" "$pg_client_image")`,
        `dbs=\${PLATFORM_PG_DATABASES:-${shq(m.databases.join(" "))}}`,
    ];
}
