// The status report program (platform-status.py, Python 3 stdlib) with the platform's facts
// rendered in: which containers must run, each app's health path, thresholds.
import * as fs from "node:fs";
import * as path from "node:path";
import type { AppConfig, PlatformConfig } from "../../stacks/schema";
import type { OpsTargets } from "../backup/layout";
import { UPSTREAMS_DIR } from "../nginx/layout";
import { PLATFORM_LABEL, SLOT_LABEL } from "../../stacks/naming";
import { SERVER_ENDPOINT_FILE } from "../managed-database";

export interface StatusInput extends OpsTargets {
    /** Containers that must be running (nginx, postgres, watchtower, exporters). */
    readonly coreContainers: readonly string[];
    readonly apps: readonly AppConfig[];
    /** Domains whose certificates are checked when cert-expiry.sh is not installed. */
    readonly domains: readonly string[];
    readonly monitoring: PlatformConfig["monitoring"];
    /** Judge backups (false when backups.enabled is false). */
    readonly backups: boolean;
    /** The managed database instead of the PostgreSQL container: what to check it with. */
    readonly managedDatabase?: ManagedStatus;
}

export interface ManagedStatus {
    /** The pinned PostgreSQL image whose pg_isready checks the instance. */
    readonly image: string;
    /** The databases the nightly dump takes (judged where it runs). */
    readonly databases: readonly string[];
}

const SOURCE = path.join(__dirname, "platform-status.py");

/** A report older than three runs means the job stopped: the report itself turns red. */
export function staleAfterSeconds(schedule: string): number {
    const every = /^\*\/([0-9]+) \* \* \* \*$/.exec(schedule);
    if (every) return 3 * Number(every[1]) * 60;
    return schedule.startsWith("* ") ? 180 : 3 * 3600;
}

export function statusProgram(s: StatusInput): string {
    const m = s.monitoring;
    const config = JSON.stringify({
        root: s.root,
        postgresContainer: s.postgresContainer,
        nginxContainer: s.nginxContainer,
        coreContainers: s.coreContainers,
        apps: s.apps.map((a) => ({ name: a.name, frontend: { healthPath: a.frontend.healthPath, port: a.frontend.port }, backend: { healthPath: a.backend.healthPath, port: a.backend.port } })),
        // How releases mark the live slot and label its container (render/app/release.sh).
        slots: { markersDir: UPSTREAMS_DIR, platformLabel: PLATFORM_LABEL, slotLabel: SLOT_LABEL },
        domains: s.domains,
        certWarnDays: m.certWarnDays,
        certFailDays: m.certFailDays,
        backupMaxAgeHours: m.backupMaxAgeHours,
        logWindowMinutes: m.logWindowMinutes,
        max5xxPercent: m.max5xxPercent,
        connectionsWarnPercent: m.connectionsWarnPercent,
        backups: s.backups,
        staleAfterSeconds: staleAfterSeconds(m.schedule),
        ...(s.managedDatabase ? { managedDatabase: { ...s.managedDatabase, endpointFile: SERVER_ENDPOINT_FILE } } : {}),
    });
    if (config.includes('"""')) throw new Error('status config holds """, which would end the Python string');
    let source = fs.readFileSync(SOURCE, "utf8");
    if (!source.includes("__CONFIG__")) throw new Error(`${SOURCE} lost its __CONFIG__ marker`);
    if (s.managedDatabase) source = withManagedCheck(source);
    return "#!/usr/bin/env python3\n" + source.replace("__CONFIG__", () => config);
}

const MANAGED_SOURCE = path.join(__dirname, "managed-status.py");
const POSTGRES_CHECK = 'databases = guarded(r, "database", check_postgres, c["connectionsWarnPercent"])';
const BEFORE_CHECKS = "def days_left(";

/** The managed database's check (managed-status.py) in place of the PostgreSQL container's. */
function withManagedCheck(source: string): string {
    if (!source.includes(POSTGRES_CHECK) || !source.includes(BEFORE_CHECKS)) throw new Error(`${SOURCE} changed: the managed database's check no longer fits in`);
    return source
        .replace(BEFORE_CHECKS, () => fs.readFileSync(MANAGED_SOURCE, "utf8") + BEFORE_CHECKS)
        .replace(POSTGRES_CHECK, 'databases = guarded(r, "database", check_managed_database, c["managedDatabase"])');
}
