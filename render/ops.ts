// Every operations job and command of the platform (backups, status report, maintenance, log
// rotation), as plain data for the Scheduler: one place that says what runs when.
import type { PlatformConfig } from "../config/schema";
import { NGINX_CONTAINER, POSTGRES_CONTAINER, WATCHTOWER_CONTAINER } from "../config/naming";
import type { BinCommand, ScheduledJob } from "./schedule";
import { backupJobScript, pruneCommandScript } from "./backup/backup";
import { restoreCommandScript } from "./backup/restore";
import { OpsTargets, opsVars } from "./backup/layout";
import { statusProgram } from "./monitoring/status";
import { maintenanceScript, rotateNginxLogsScript } from "./monitoring/logs";
import { EXPORTER_CONTAINERS } from "./monitoring/exporters";
import { statusPageUrl } from "./monitoring/layout";
import type { ManagedClient } from "./backup/managed-client";
import { MigrationInput, migrateDatabaseScript } from "./migrate/migrate";

/** What one server of several runs: the fleet's jobs (the nightly dump) run on the first only. */
export interface ServerOps {
    /** This server runs the nightly dump (and its status report judges it). */
    readonly runsBackups: boolean;
    /** The managed database's client settings, once apps use it. */
    readonly managed?: ManagedClient;
    /** The PostgreSQL container runs here (false with the managed database, once the move is done). @default true */
    readonly postgresContainer?: boolean;
    /** During the move onto the managed database: the migrate-database command. */
    readonly migration?: MigrationInput;
}

export const productionTargets = (root: string): OpsTargets => ({ root, postgresContainer: POSTGRES_CONTAINER, nginxContainer: NGINX_CONTAINER });

/** Containers the status report expects to be running. */
export function coreContainers(cfg: PlatformConfig, postgresContainer = !cfg.database.managed.enabled): string[] {
    const managed = !postgresContainer;
    const exporters = cfg.monitoring.enabled && cfg.monitoring.prometheus.enabled ? [EXPORTER_CONTAINERS.nginx, ...(managed ? [] : [EXPORTER_CONTAINERS.postgres])] : [];
    return [NGINX_CONTAINER, ...(managed ? [] : [POSTGRES_CONTAINER]), ...(cfg.autoUpdater.enabled ? [WATCHTOWER_CONTAINER] : []), ...exporters];
}

export function opsSchedule(cfg: PlatformConfig, t: OpsTargets, server: ServerOps = { runsBackups: true }): { jobs: ScheduledJob[]; commands: BinCommand[] } {
    const jobs: ScheduledJob[] = [];
    // The restore command restores into the PostgreSQL container; the managed database's runbook is its own.
    const container = server.postgresContainer ?? true;
    const commands: BinCommand[] = container ? [{ name: "restore", script: restoreCommandScript(t) }] : [];
    if (server.migration) commands.push({ name: "migrate-database", script: migrateDatabaseScript(t, server.migration) });
    const backups = cfg.backups.enabled && server.runsBackups;
    if (backups) {
        jobs.push({ name: "backup", schedule: cfg.backups.schedule, script: backupJobScript(t, cfg.backups, server.managed) });
        commands.push({ name: "prune-backups", script: pruneCommandScript(t, cfg.backups) });
    }
    // Scaleway maintains the managed instance (VACUUM included).
    if (container) jobs.push({ name: "maintenance", schedule: cfg.monitoring.maintenanceSchedule, script: maintenanceScript(t) });
    jobs.push({ name: "rotate-nginx-logs", schedule: cfg.monitoring.logRotateSchedule, script: rotateNginxLogsScript(t, cfg.monitoring.nginxLogKeep) });
    if (cfg.monitoring.enabled) {
        commands.push({
            name: "platform-status",
            language: "python3",
            script: statusProgram({
                ...t,
                coreContainers: coreContainers(cfg, container),
                apps: cfg.apps,
                // Behind the load balancer the certificate is the load balancer's (Scaleway renews it).
                domains: cfg.server.count > 1 ? [] : [cfg.domain],
                monitoring: cfg.monitoring,
                backups,
                ...(server.managed ? { managedDatabase: { image: server.managed.image, databases: server.managed.databases } } : {}),
                pageUrl: cfg.monitoring.page.enabled ? statusPageUrl(cfg) : undefined,
            }),
        });
        // Exit 0 once the report is written: red is the report's news, not the job's failure.
        jobs.push({ name: "status", schedule: cfg.monitoring.schedule, script: [...opsVars(t, "root"), 'exec python3 "$root/bin/platform-status" --collect'].join("\n") });
    }
    return { jobs, commands };
}
