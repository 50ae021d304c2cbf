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

export const productionTargets = (root: string): OpsTargets => ({ root, postgresContainer: POSTGRES_CONTAINER, nginxContainer: NGINX_CONTAINER });

/** Containers the status report expects to be running. */
export function coreContainers(cfg: PlatformConfig): string[] {
    return [
        NGINX_CONTAINER,
        POSTGRES_CONTAINER,
        ...(cfg.autoUpdater.enabled ? [WATCHTOWER_CONTAINER] : []),
        ...(cfg.monitoring.enabled && cfg.monitoring.prometheus.enabled ? Object.values(EXPORTER_CONTAINERS) : []),
    ];
}

export function opsSchedule(cfg: PlatformConfig, t: OpsTargets): { jobs: ScheduledJob[]; commands: BinCommand[] } {
    const jobs: ScheduledJob[] = [];
    const commands: BinCommand[] = [{ name: "restore", script: restoreCommandScript(t) }];
    if (cfg.backups.enabled) {
        jobs.push({ name: "backup", schedule: cfg.backups.schedule, script: backupJobScript(t, cfg.backups) });
        commands.push({ name: "prune-backups", script: pruneCommandScript(t, cfg.backups) });
    }
    jobs.push({ name: "maintenance", schedule: cfg.monitoring.maintenanceSchedule, script: maintenanceScript(t) });
    jobs.push({ name: "rotate-nginx-logs", schedule: cfg.monitoring.logRotateSchedule, script: rotateNginxLogsScript(t, cfg.monitoring.nginxLogKeep) });
    if (cfg.monitoring.enabled) {
        commands.push({
            name: "platform-status",
            language: "python3",
            script: statusProgram({
                ...t,
                coreContainers: coreContainers(cfg),
                apps: cfg.apps,
                domains: [cfg.domain],
                monitoring: cfg.monitoring,
                backups: cfg.backups.enabled,
                pageUrl: cfg.monitoring.page.enabled ? statusPageUrl(cfg) : undefined,
            }),
        });
        // Exit 0 once the report is written: red is the report's news, not the job's failure.
        jobs.push({ name: "status", schedule: cfg.monitoring.schedule, script: [...opsVars(t, "root"), 'exec python3 "$root/bin/platform-status" --collect'].join("\n") });
    }
    return { jobs, commands };
}
