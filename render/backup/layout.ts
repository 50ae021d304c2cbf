// Where backups live and how their files are named, on the server and in the scripts that use them.
import { shq } from "../shell";
import { NGINX_CONTAINER, POSTGRES_CONTAINER } from "../../config/naming";

/** <root>/backups/<database>/<database>_<UTC timestamp>.dump, plus globals/globals_<ts>.sql. */
export const BACKUPS_DIR = "backups";
/** The drills each start a throwaway PostgreSQL: they take turns (render/schedule.ts, queue). */
export const RESTORE_DRILLS_QUEUE = "restore-drills";
/** Per-run summary the status report reads: one line per database, tab-separated. */
export const BACKUP_SUMMARY = "state/backups/last.tsv";
/** Env file for the off-site upload (mode 0600), written from a command's stdin. */
export const OFFSITE_ENV = "secrets/offsite.env";
/** Timestamp in names: sorts lexically in time order and parses without locale. */
export const STAMP = /^([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})Z$/;
/** A file the backup job wrote; anything else in a backup folder is never touched by retention. */
export const BACKUP_FILE = /^([a-z0-9_]+)_([0-9]{8}T[0-9]{6}Z)\.(dump|sql)$/;
/** grep -E form of BACKUP_FILE, for the scripts. */
export const BACKUP_FILE_ERE = "^[a-z0-9_]+_[0-9]{8}T[0-9]{6}Z\\.(dump|sql)$";

export interface OpsTargets {
    /** Platform root on the server (/opt/platform). */
    readonly root: string;
    readonly postgresContainer: string;
    readonly nginxContainer: string;
}

/** Where the ops scripts act on a real server: its platform root and the platform's containers. */
export const productionTargets = (root: string): OpsTargets => ({ root, postgresContainer: POSTGRES_CONTAINER, nginxContainer: NGINX_CONTAINER });

/**
 * First lines of every ops script: production values as defaults, overridable from the
 * environment so tests run the very same script against opstest-* containers and temp folders.
 * cron runs with an almost empty environment, so production always gets the defaults.
 */
export function opsVars(t: OpsTargets, ...uses: ("root" | "postgres" | "nginx")[]): string[] {
    return [
        ...(uses.includes("root") ? [`root=\${PLATFORM_ROOT:-${shq(t.root)}}`] : []),
        ...(uses.includes("postgres")
            ? [
                  `pg_container=\${PLATFORM_POSTGRES_CONTAINER:-${shq(t.postgresContainer)}}`,
                  // The superuser over the container's local socket: no password involved.
                  "pg_user=${PLATFORM_POSTGRES_USER:-postgres}",
              ]
            : []),
        ...(uses.includes("nginx") ? [`nginx_container=\${PLATFORM_NGINX_CONTAINER:-${shq(t.nginxContainer)}}`] : []),
    ];
}
