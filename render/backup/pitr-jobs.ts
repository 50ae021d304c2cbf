// Point-in-time recovery's jobs and commands (pitr.sh, a real script read at render time, under a
// header of quoted settings): the scheduled full and differential backups, the nightly restore
// drill, and the restore-database and restore-cluster commands run by hand.
import * as fs from "node:fs";
import * as path from "node:path";
import type { BackupsConfig } from "../../config/schema";
import { QUEUE_WAIT_SECONDS, queueLockPath, type BinCommand, type ScheduledJob } from "../schedule";
import { shq } from "../shell";
import { OpsTargets, RESTORE_DRILLS_QUEUE, opsVars } from "./layout";
import { pgbackrestConfFile, PGBACKREST_STANZA, PGBACKREST_VOLUME, PGDATA, repos, usesRepoHost } from "./pgbackrest";
import { PGBACKREST_EGRESS_NETWORK, PGBACKREST_HOST, POSTGRES_HOST } from "./pgbackrest-host";

export const PITR_SCRIPT = path.join(__dirname, "pitr.sh");
/** restore-database, after pitr.sh's helpers. */
export const RESTORE_DATABASE_SCRIPT = path.join(__dirname, "pitr-restore-database.sh");
/** The last drill's result, read by the status report: {at, ok, rtoSeconds, rpoSeconds, ...}. */
export const DRILL_RESULT = "state/backups/drill.json";

/** Settings every pitr script starts with; tests override them from the environment, as opsVars does. */
export function pitrHeader(t: OpsTargets, b: BackupsConfig): string[] {
    return [
        ...opsVars(t, "root", "postgres"),
        `stanza=${shq(PGBACKREST_STANZA)}`,
        `conf=\${PLATFORM_PITR_CONF:-"$root"/${shq(pgbackrestConfFile(b))}}`,
        // Where backups, expire, verify and stanza-create run: the repository host, or PostgreSQL's container without one.
        `pb_container=\${PLATFORM_PITR_PB_CONTAINER:-${usesRepoHost(b) ? shq(PGBACKREST_HOST) : '"$pg_container"'}}`,
        `pg_tls_host=${shq(POSTGRES_HOST)}`,
        // Restores from the bucket need egress: the repository host's network (none without one).
        `egress_network=${usesRepoHost(b) ? shq(PGBACKREST_EGRESS_NETWORK) : "''"}`,
        `repo_volume=\${PLATFORM_PITR_REPO_VOLUME:-${shq(PGBACKREST_VOLUME)}}`,
        `repos=\${PLATFORM_PITR_REPOS:-${shq(repos(b).join(" "))}}`,
        `pgdata=${shq(PGDATA)}`,
        `archive_timeout=${b.pitr.archiveTimeoutSeconds}`,
        `drill_file="$root"/${shq(DRILL_RESULT)}`,
    ];
}

const body = (t: OpsTargets, b: BackupsConfig, main: string) => [...pitrHeader(t, b), fs.readFileSync(PITR_SCRIPT, "utf8"), main].join("\n");

/** restore-database joins the restore drills' queue, so two copies of the cluster never run at once. */
const restoreDatabase = (t: OpsTargets, b: BackupsConfig) =>
    [
        ...pitrHeader(t, b),
        `drills_lock="$root"/${shq(queueLockPath(RESTORE_DRILLS_QUEUE))}`,
        `drills_wait=\${PLATFORM_PITR_QUEUE_WAIT_SECONDS:-${QUEUE_WAIT_SECONDS}}`,
        fs.readFileSync(PITR_SCRIPT, "utf8"),
        fs.readFileSync(RESTORE_DATABASE_SCRIPT, "utf8"),
        'main_restore_database "$@"',
    ].join("\n");

/** The jobs (pitr-full, pitr-diff, restore-drill) and commands (restore-database, restore-cluster), when backups.pitr is on. */
export function pitrSchedule(t: OpsTargets, b: BackupsConfig): { jobs: ScheduledJob[]; commands: BinCommand[] } {
    if (!b.pitr.enabled) return { jobs: [], commands: [] };
    return {
        jobs: [
            { name: "pitr-full", schedule: b.pitr.fullSchedule, script: body(t, b, "main_backup full") },
            { name: "pitr-diff", schedule: b.pitr.diffSchedule, script: body(t, b, "main_backup diff") },
            { name: "restore-drill", schedule: b.pitr.drillSchedule, queue: RESTORE_DRILLS_QUEUE, script: body(t, b, 'main_restore_drill "$@"') },
        ],
        commands: [
            { name: "restore-database", script: restoreDatabase(t, b) },
            { name: "restore-cluster", script: body(t, b, 'main_restore_cluster "$@"') },
        ],
    };
}
