// Backups on the server, as the Backups component hands them to the Scheduler: the nightly dump
// (with its off-site copy and retention) and its restore drill, and the restore and prune commands run by hand.
import type { BackupsConfig } from "../../config/schema";
import type { BinCommand, ScheduledJob } from "../schedule";
import type { OpsTargets } from "./layout";
import type { ManagedClient } from "./managed-client";
import { backupJobScript, pruneCommandScript } from "./backup";
import { restoreCommandScript } from "./restore";
import { dumpDrillJob } from "./dump-drill";

export interface BackupServer {
    /** The managed database's client settings, once apps use it: the dump takes the instance. */
    readonly managed?: ManagedClient;
    /** The PostgreSQL container runs here: the restore command restores into it. */
    readonly postgresContainer: boolean;
}

/** The server that makes the dumps: its backup job, and its restore and prune-backups commands. */
export function backupSchedule(t: OpsTargets, config: BackupsConfig, server: BackupServer): { jobs: ScheduledJob[]; commands: BinCommand[] } {
    // The managed database's restore is its own runbook.
    const commands: BinCommand[] = server.postgresContainer ? [{ name: "restore", script: restoreCommandScript(t) }] : [];
    if (!config.enabled) return { jobs: [], commands };
    commands.push({ name: "prune-backups", script: pruneCommandScript(t, config) });
    const jobs = [{ name: "backup", schedule: config.schedule, script: backupJobScript(t, config, server.managed) }, dumpDrillJob(t, config, server.managed?.image)];
    return { jobs, commands };
}
