// The PostgreSQL client tools for the managed database: a throwaway container of the pinned
// PostgreSQL image on the host's network (the private network is the host's), logged in as the
// backup user from its private env file, checking the server against the instance's certificate.
import { shq } from "../shell";
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
        `pg_client=(docker run --rm -i --network host --read-only --cap-drop ALL --security-opt no-new-privileges:true --user 65534:65534 --env-file "$pg_env_file" -v "$pg_ca_file:${CONTAINER_CA_PATH}:ro" "$pg_client_image")`,
        `dbs=\${PLATFORM_PG_DATABASES:-${shq(m.databases.join(" "))}}`,
    ];
}
