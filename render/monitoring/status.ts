// The status program (platform-status, Python 3 stdlib): the modules of render/monitoring/status/
// joined into one file in dependency order, with the platform's facts rendered into CONFIG.
// Each module names what it uses from another in one line, `from .module import a, b`; those lines
// are the only thing the join removes, and it refuses modules it could not join faithfully.
import * as fs from "node:fs";
import * as path from "node:path";
import type { AppConfig, PlatformConfig } from "../../config/schema";
import type { OpsTargets } from "../backup/layout";
import { BACKUP_SUMMARY } from "../backup/layout";
import { DRILL_RESULT } from "../backup/pitr-jobs";
import { DUMP_DRILL_RESULT } from "../backup/dump-drill";
import { ACCESS_LOG_FLUSH_SECONDS, UPSTREAMS_DIR } from "../nginx/layout";
import { PLATFORM_LABEL, SLOT_LABEL, apiPrefix, routePrefix } from "../../config/naming";
import { ALERT_SECRETS, ALERT_STATE, EVENTS_MAX_BYTES, HISTORY_DIR, RELEASE_EVENTS, STATUS_PAGE_DIR } from "./layout";
import { statusPageCss } from "./page-style";
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
    /** Where admins open the page (named in alerts), e.g. https://mhylle.com/status/. */
    readonly pageUrl?: string;
    /** The managed database instead of the PostgreSQL container: what to check it with. */
    readonly managedDatabase?: ManagedStatus;
}

export interface ManagedStatus {
    /** The pinned PostgreSQL image whose pg_isready checks the instance. */
    readonly image: string;
    /** The databases the nightly dump takes (judged where it runs). */
    readonly databases: readonly string[];
}

/** Dependency order: a module comes after every module it imports from. */
export const STATUS_MODULES = ["common", "checks", "traffic", "history", "channels", "alerts", "charts", "page", "main"] as const;
const MODULES_DIR = path.join(__dirname, "status");

export interface PythonModule {
    readonly name: string;
    readonly source: string;
}

const RELATIVE_IMPORT = /^from \.([a-z_]+) import ([A-Za-z_][A-Za-z0-9_]*(?:, [A-Za-z_][A-Za-z0-9_]*)*)$/;
const TOP_LEVEL_NAME = /^(?:def|class) ([A-Za-z_][A-Za-z0-9_]*)|^([A-Za-z_][A-Za-z0-9_]*(?:, *[A-Za-z_][A-Za-z0-9_]*)*) *(?::[^=]*)?=(?!=)/;

/** Names a module defines at its top level (functions, classes, assignments, `A, B = ...`). */
export function topLevelNames(source: string): string[] {
    return source.split("\n").flatMap((line) => {
        const m = TOP_LEVEL_NAME.exec(line);
        return m ? (m[1] ? [m[1]] : m[2].split(/, */)) : [];
    });
}

/**
 * One program from modules in order. Refused: a relative import in any other form, of a module
 * that does not come earlier, or of a name that module does not define; and two modules defining
 * the same name (in one file the second would silently replace the first).
 */
export function joinModules(modules: readonly PythonModule[]): string {
    const defined = new Map<string, Set<string>>();
    const owner = new Map<string, string>();
    const parts = modules.map((m) => {
        const kept: string[] = [];
        for (const line of m.source.split("\n")) {
            if (/^\s*from \./.test(line) || /^\s*import \./.test(line)) {
                const imp = RELATIVE_IMPORT.exec(line);
                if (!imp) throw new Error(`${m.name}.py: write relative imports on one line as "from .module import a, b" (got ${JSON.stringify(line)})`);
                const names = defined.get(imp[1]);
                if (!names) throw new Error(`${m.name}.py imports from ${imp[1]}, which is not an earlier module`);
                for (const n of imp[2].split(", ")) if (!names.has(n)) throw new Error(`${m.name}.py imports ${n} from ${imp[1]}, which does not define it`);
                continue;
            }
            kept.push(line);
        }
        const own = new Set(topLevelNames(m.source));
        for (const n of own) {
            const first = owner.get(n);
            if (first) throw new Error(`${m.name}.py defines ${n}, which ${first}.py defines too`);
            owner.set(n, m.name);
        }
        defined.set(m.name, own);
        return `# ---- ${m.name}.py ----\n${kept.join("\n").trimEnd()}\n`;
    });
    return parts.join("\n\n");
}

export const readStatusModules = (): PythonModule[] => STATUS_MODULES.map((name) => ({ name, source: fs.readFileSync(path.join(MODULES_DIR, `${name}.py`), "utf8") }));

/** A report older than three runs means the job stopped: the report itself turns red. */
export function staleAfterSeconds(schedule: string): number {
    return 3 * intervalSeconds(schedule);
}

/** How often the job runs, for `*\/N * * * *` and every-minute schedules; an hour otherwise. */
export function intervalSeconds(schedule: string): number {
    const every = /^\*\/([0-9]+) \* \* \* \*$/.exec(schedule);
    if (every) return Number(every[1]) * 60;
    return schedule.startsWith("* ") ? 60 : 3600;
}

function alertsConfig(m: PlatformConfig["monitoring"]) {
    const a = m.alerts;
    return {
        stateFile: ALERT_STATE,
        secretsFile: ALERT_SECRETS,
        redAfterRuns: a.redAfterRuns,
        greenAfterRuns: a.greenAfterRuns,
        heartbeat: a.heartbeat,
        heartbeatHourUtc: a.heartbeatHourUtc,
        timeoutSeconds: a.timeoutSeconds,
        webhook: { enabled: a.webhook.enabled, format: a.webhook.format, topic: a.webhook.topic ?? null },
        email: { ...a.email, username: a.email.username ?? null },
    };
}

export function statusProgram(s: StatusInput): string {
    const m = s.monitoring;
    const config = JSON.stringify({
        root: s.root,
        platformName: s.domains[0],
        postgresContainer: s.postgresContainer,
        nginxContainer: s.nginxContainer,
        coreContainers: s.coreContainers,
        apps: s.apps.map((a) => ({
            name: a.name,
            // Requests under these prefixes are the app's (longest prefix wins).
            prefixes: [routePrefix(a), apiPrefix(a)],
            frontend: { healthPath: a.frontend.healthPath, port: a.frontend.port },
            backend: { healthPath: a.backend.healthPath, port: a.backend.port },
        })),
        // How releases mark the live slot and label its container (render/app/release.sh).
        slots: { markersDir: UPSTREAMS_DIR, platformLabel: PLATFORM_LABEL, slotLabel: SLOT_LABEL },
        domains: s.domains,
        certWarnDays: m.certWarnDays,
        certFailDays: m.certFailDays,
        backupMaxAgeHours: m.backupMaxAgeHours,
        backupSummary: BACKUP_SUMMARY,
        drillFile: DRILL_RESULT,
        dumpDrillFile: DUMP_DRILL_RESULT,
        logWindowMinutes: m.logWindowMinutes,
        accessLogFlushSeconds: ACCESS_LOG_FLUSH_SECONDS,
        max5xxPercent: m.max5xxPercent,
        connectionsWarnPercent: m.connectionsWarnPercent,
        backups: s.backups,
        intervalSeconds: intervalSeconds(m.schedule),
        staleAfterSeconds: staleAfterSeconds(m.schedule),
        history: { dir: HISTORY_DIR, days: m.history.days, maxBytes: m.history.maxMb * 1024 * 1024, events: RELEASE_EVENTS, eventsMaxBytes: EVENTS_MAX_BYTES },
        alerts: alertsConfig(m),
        page: { dir: STATUS_PAGE_DIR },
        pageUrl: s.pageUrl ?? null,
        pageCss: statusPageCss(),
        managedDatabase: s.managedDatabase ? { ...s.managedDatabase, endpointFile: SERVER_ENDPOINT_FILE } : null,
    });
    if (config.includes('"""')) throw new Error('status config holds """, which would end the Python string');
    const program = joinModules(readStatusModules());
    if (!program.includes("__CONFIG__")) throw new Error("the status modules lost their __CONFIG__ marker");
    return "#!/usr/bin/env python3\n" + program.replace("__CONFIG__", () => config);
}
