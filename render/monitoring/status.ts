// The status report program (platform-status.py, Python 3 stdlib) with the platform's facts
// rendered in: which containers must run, each app's health path, thresholds.
import * as fs from "node:fs";
import * as path from "node:path";
import type { AppConfig, PlatformConfig } from "../../config/schema";
import type { OpsTargets } from "../backup/layout";
import { UPSTREAMS_DIR } from "../nginx/layout";
import { PLATFORM_LABEL, SLOT_LABEL } from "../../config/naming";

export interface StatusInput extends OpsTargets {
    /** Containers that must be running (nginx, postgres, watchtower, exporters). */
    readonly coreContainers: readonly string[];
    readonly apps: readonly AppConfig[];
    /** Domains whose certificates are checked when cert-expiry.sh is not installed. */
    readonly domains: readonly string[];
    readonly monitoring: PlatformConfig["monitoring"];
    /** Judge backups (false when backups.enabled is false). */
    readonly backups: boolean;
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
    });
    if (config.includes('"""')) throw new Error('status config holds """, which would end the Python string');
    const source = fs.readFileSync(SOURCE, "utf8");
    if (!source.includes("__CONFIG__")) throw new Error(`${SOURCE} lost its __CONFIG__ marker`);
    return "#!/usr/bin/env python3\n" + source.replace("__CONFIG__", () => config);
}
