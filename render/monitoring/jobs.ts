// Monitoring on the server, as the Monitoring component hands it to the Scheduler: the monthly
// VACUUM, nginx's log rotation, the image prune, and the status job with the platform-status
// program it runs.
import type { PlatformConfig } from "../../config/schema";
import { NGINX_CONTAINER, POSTGRES_CONTAINER, WATCHTOWER_CONTAINER } from "../../config/naming";
import type { BinCommand, ScheduledJob } from "../schedule";
import { OpsTargets, opsVars } from "../backup/layout";
import type { ManagedClient } from "../backup/managed-client";
import { statusProgram } from "./status";
import { maintenanceScript, rotateNginxLogsScript } from "./logs";
import { EXPORTER_CONTAINERS } from "./exporters";
import { statusPageUrl } from "./layout";
import { PRUNE_IMAGES_JOB, pruneImagesScript } from "./images";

export interface MonitoredServer {
    /** The PostgreSQL container runs here (false with the managed database, once the move is done). */
    readonly postgresContainer: boolean;
    /** This server runs the nightly dump: its status report judges it. */
    readonly backups: boolean;
    /** The managed database's client settings, once apps use it: the report checks the instance. */
    readonly managed?: ManagedClient;
    /** nginx here serves the domain's own certificate (not behind the load balancer): the report checks it. @default one server */
    readonly ownCertificate?: boolean;
}

/** Containers the status report expects to be running. */
export function coreContainers(cfg: PlatformConfig, postgresContainer = !cfg.database.managed.enabled): string[] {
    const managed = !postgresContainer;
    const exporters = cfg.monitoring.enabled && cfg.monitoring.prometheus.enabled ? [EXPORTER_CONTAINERS.nginx, ...(managed ? [] : [EXPORTER_CONTAINERS.postgres])] : [];
    return [NGINX_CONTAINER, ...(managed ? [] : [POSTGRES_CONTAINER]), ...(cfg.autoUpdater.enabled ? [WATCHTOWER_CONTAINER] : []), ...exporters];
}

/** The platform-status program, with what this server runs and checks rendered into it. */
function statusCommand(cfg: PlatformConfig, t: OpsTargets, server: MonitoredServer): BinCommand {
    const script = statusProgram({
        ...t,
        coreContainers: coreContainers(cfg, server.postgresContainer),
        apps: cfg.apps,
        // Behind the load balancer the certificate is the load balancer's (Scaleway renews it).
        domains: (server.ownCertificate ?? cfg.server.count === 1) ? [cfg.domain] : [],
        monitoring: cfg.monitoring,
        backups: server.backups,
        ...(server.managed ? { managedDatabase: { image: server.managed.image, databases: server.managed.databases } } : {}),
        // Behind a load balancer the page's own origin is not published: no link to it in alerts
        // (a server still serving the internet itself, as server 1 while it is added to, keeps it).
        pageUrl: cfg.monitoring.page.enabled && (server.ownCertificate ?? cfg.server.count === 1) ? statusPageUrl(cfg) : undefined,
    });
    return { name: "platform-status", language: "python3", script };
}

export function monitoringSchedule(cfg: PlatformConfig, t: OpsTargets, server: MonitoredServer): { jobs: ScheduledJob[]; commands: BinCommand[] } {
    const jobs: ScheduledJob[] = [];
    // Scaleway maintains the managed instance (VACUUM included).
    if (server.postgresContainer) jobs.push({ name: "maintenance", schedule: cfg.monitoring.maintenanceSchedule, script: maintenanceScript(t) });
    jobs.push({ name: "rotate-nginx-logs", schedule: cfg.monitoring.logRotateSchedule, script: rotateNginxLogsScript(t, cfg.monitoring.nginxLogKeep) });
    // Every server: releases and re-pins leave images behind on each. Never on the local target:
    // that Docker is the developer's, with images the platform never made.
    if (cfg.target === "scaleway") jobs.push({ name: PRUNE_IMAGES_JOB, schedule: cfg.monitoring.imagePruneSchedule, script: pruneImagesScript(cfg.monitoring.imageKeepDays) });
    if (!cfg.monitoring.enabled) return { jobs, commands: [] };
    // Exit 0 once the report is written: red is the report's news, not the job's failure.
    jobs.push({ name: "status", schedule: cfg.monitoring.schedule, script: [...opsVars(t, "root"), 'exec python3 "$root/bin/platform-status" --collect'].join("\n") });
    return { jobs, commands: [statusCommand(cfg, t, server)] };
}
