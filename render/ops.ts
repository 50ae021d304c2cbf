// Every operations job and command of one server, in one list: the same ones the components
// declare for the Scheduler (Backups, DatabaseClient, Monitoring), for tests and tools that
// install and run them without Pulumi.
import type { PlatformConfig } from "../config/schema";
import type { BinCommand, ScheduledJob } from "./schedule";
import type { OpsTargets } from "./backup/layout";
import type { ManagedClient } from "./backup/managed-client";
import { backupSchedule } from "./backup/jobs";
import { monitoringSchedule } from "./monitoring/jobs";
import { MigrationInput, migrateDatabaseCommand } from "./migrate/migrate";

export { coreContainers } from "./monitoring/jobs";
export { productionTargets } from "./backup/layout";

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

export function opsSchedule(cfg: PlatformConfig, t: OpsTargets, server: ServerOps = { runsBackups: true }): { jobs: ScheduledJob[]; commands: BinCommand[] } {
    const postgresContainer = server.postgresContainer ?? true;
    const backups = server.runsBackups ? backupSchedule(t, cfg.backups, { managed: server.managed, postgresContainer }) : { jobs: [], commands: [] };
    const migrate = server.migration ? [migrateDatabaseCommand(t, server.migration)] : [];
    const monitoring = monitoringSchedule(cfg, t, { postgresContainer, backups: cfg.backups.enabled && server.runsBackups, managed: server.managed });
    return { jobs: [...backups.jobs, ...monitoring.jobs], commands: [...backups.commands, ...migrate, ...monitoring.commands] };
}
