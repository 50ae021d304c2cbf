// The release of one app service: release.sh (a real script, read at render time) under a header
// of checked, quoted parameters. See release.sh for the sequence and its guarantees.
import * as fs from "node:fs";
import * as path from "node:path";
import { IDENTITY_LABEL, NGINX_CONTAINER, SLOT_LABEL, ServiceKind, serviceBaseName } from "../../config/naming";
import { ACCESS_LOG_FLUSH_SECONDS, ACCESS_LOG_LOCK, NGINX_LOGS_DIR, PROBE_PATH, UPSTREAMS_DIR, liveMarker } from "../nginx/layout";
import { upstreamName } from "../nginx/routes";
import { script, shq } from "../shell";
import { RELEASE_EVENTS } from "../monitoring/layout";
import { SECRETS_DIR } from "../secret-file";
import type { ContainerSpec } from "./container-spec";

export const RELEASE_SCRIPT = path.join(__dirname, "release.sh");
/** The slot functions (which container holds which slot, which slot is live) every release script uses. */
export const SLOTS_SCRIPT = path.join(__dirname, "slots.sh");
const slots = () => fs.readFileSync(SLOTS_SCRIPT, "utf8");
/** How a release keeps secret variables out of its container's environment (`docker inspect`). */
export const SECRET_ENV_SCRIPT = path.join(__dirname, "secret-env.sh");
const secretEnv = () => fs.readFileSync(SECRET_ENV_SCRIPT, "utf8");
/** Where a server keeps each app container's secret variables (one file a container, 0400, its uid's). */
export const CONTAINER_SECRETS_DIR = `${SECRETS_DIR}/containers`;
/** Seconds a healthy container gets to become reachable through nginx (DNS answers last 1 s). */
export const REACH_TIMEOUT_SECONDS = 15;

export interface ReleaseInput {
    readonly root: string;
    readonly app: string;
    readonly service: ServiceKind;
    readonly spec: ContainerSpec;
    /** Image to release, pinned by digest when the registry was asked. */
    readonly image: string;
    /** nginx's status server port (the release probes each slot through it). */
    readonly statusPort: number;
    readonly healthTimeoutSeconds: number;
    readonly watchSeconds: number;
    /** The sliding window the 5xx share is judged over, every second of the watch. */
    readonly windowSeconds: number;
    /** Fewer responses than this in a window are not judged (too few to tell). */
    readonly minRequests: number;
    /** Percent of 5xx responses that rolls the release back; at most two decimals. */
    readonly max5xxPercent: number;
    readonly drainSeconds: number;
    /** Seconds a healthy container gets to become reachable through nginx. @default REACH_TIMEOUT_SECONDS */
    readonly reachTimeoutSeconds?: number;
}

const int = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 0) throw new Error(`release parameter ${name} must be a whole number >= 0 (got ${v})`);
    return `${name}=${v}`;
};

/** Percent as whole hundredths: bash compares integers exactly (0.5 % -> 50). */
export function hundredths(percent: number): number {
    const h = Math.round(percent * 100);
    if (Math.abs(h - percent * 100) > 1e-6 || h < 0 || h > 10000) throw new Error(`max5xxPercent ${percent} must be 0-100 with at most two decimals`);
    return h;
}

function header(r: ReleaseInput): string[] {
    const s = r.spec;
    return [
        `app=${shq(r.app)} service=${shq(r.service)} image=${shq(r.image)}`,
        `base=${shq(serviceBaseName(r.app, r.service))} alias_prefix=${shq(serviceBaseName(r.app, r.service))}`,
        `${int("port", s.port)} health_path=${shq(s.healthPath)} health_cmd=${shq(s.healthCommand)}`,
        `network=${shq(s.network)}`,
        `extra_networks=(${s.extraNetworks.map(shq).join(" ")})`,
        `run_args=(${s.runArgs.map(shq).join(" ")})`,
        `secret_names=(${s.secretNames.map(shq).join(" ")})`,
        `label=${shq(s.label)} color_label=${shq(SLOT_LABEL)} identity_label=${shq(IDENTITY_LABEL)}`,
        [int("health_timeout", r.healthTimeoutSeconds), int("reach_timeout", r.reachTimeoutSeconds ?? REACH_TIMEOUT_SECONDS), int("watch_seconds", r.watchSeconds), int("window_seconds", r.windowSeconds)].join(" "),
        [int("min_requests", r.minRequests), int("max_5xx_hundredths", hundredths(r.max5xxPercent)), `max_5xx_percent=${shq(String(r.max5xxPercent))}`, int("drain_seconds", r.drainSeconds)].join(" "),
        `root=${shq(r.root)} nginx=${NGINX_CONTAINER} secret_dir="$root/${CONTAINER_SECRETS_DIR}"`,
        // The slot's probe is $probe_base<color><health path> (render/nginx/routes.ts, probeLocations).
        `probe_base=${shq(`http://127.0.0.1:${r.statusPort}${PROBE_PATH}/${upstreamName(r.app, r.service, "")}`)}`,
        `marker="$root/${UPSTREAMS_DIR}/${liveMarker(r.app, r.service)}"`,
        `access_log="$root/${NGINX_LOGS_DIR}/access.log" access_log_lock="$root/${ACCESS_LOG_LOCK}" ${int("log_flush_seconds", ACCESS_LOG_FLUSH_SECONDS + 1)}`,
        // Each outcome appends one JSON line here (the status page and its alerts read it).
        `events="$root/${RELEASE_EVENTS}"`,
    ];
}

export function releaseScript(r: ReleaseInput): string {
    return script(...header(r), "", slots(), secretEnv(), fs.readFileSync(RELEASE_SCRIPT, "utf8"));
}

export const RELEASE_PHASE_SCRIPT = path.join(__dirname, "release-phase.sh");
/** Where a release in phases keeps, between prepare and finish or revert, which slot holds what. */
export const pendingFile = (app: string, service: ServiceKind) => `state/release-${app}-${service}.pending`;

const DRAIN_START = "# Drain: since the switch";
const DRAIN_END = "finished=$(now)\n";
/** In phases the old container stays: prepare ends where release.sh drains, and writes what finish or revert need. */
const KEEP_OLD = [
    "# In phases (several servers) the old container stays in its slot until every server has switched;",
    "# the coordinator then finishes (drains it) or reverts (switches back to it) here: release-phase.sh.",
    `printf '%s %s %s\\n' "$live" "$idle" "$new" >"$pending.tmp" && mv -f "$pending.tmp" "$pending"`,
    'log "switched; ${current:-nothing} stays in the $live slot until the release is finished or reverted"',
    "",
].join("\n");

/**
 * The first phase of a release over several servers: release.sh up to the end of its watch, with
 * the same gates and the same switch back on failure, keeping the old container.
 */
export function preparePhaseScript(r: ReleaseInput): string {
    const body = fs.readFileSync(RELEASE_SCRIPT, "utf8");
    const start = body.indexOf(DRAIN_START);
    const end = body.indexOf(DRAIN_END, start);
    if (start < 0 || end < 0) throw new Error(`${RELEASE_SCRIPT} changed: its drain section is no longer where prepare stops`);
    const prepare = body.slice(0, start) + KEEP_OLD + body.slice(end);
    return script(...header(r), `pending="$root/${pendingFile(r.app, r.service)}"`, "", slots(), secretEnv(), prepare);
}

/**
 * Seconds between switching a slot back and stopping the container it left: a request that read
 * the marker just before the switch still connects to that container (a rollback waits as long,
 * for the access log).
 */
export const SWITCH_SETTLE_SECONDS = 2;

/** finish or revert, on one server (its first argument). */
export function finalPhaseScript(r: Pick<ReleaseInput, "root" | "app" | "service" | "spec" | "drainSeconds">): string {
    return script(
        `app=${shq(r.app)} service=${shq(r.service)} root=${shq(r.root)} secret_dir="$root/${CONTAINER_SECRETS_DIR}"`,
        `label=${shq(r.spec.label)} color_label=${shq(SLOT_LABEL)} ${int("drain_seconds", r.drainSeconds)} ${int("switch_settle_seconds", SWITCH_SETTLE_SECONDS)}`,
        `marker="$root/${UPSTREAMS_DIR}/${liveMarker(r.app, r.service)}"`,
        `pending="$root/${pendingFile(r.app, r.service)}"`,
        "",
        slots(),
        fs.readFileSync(RELEASE_PHASE_SCRIPT, "utf8"),
    );
}

/** When an app leaves stack config: its routes are gone first (proxy config), then its containers. */
export function removeServiceScript(root: string, app: string, service: ServiceKind, label: string): string {
    return script(
        `for c in $(docker ps -a --filter ${shq(`label=${label}`)} --format '{{.Names}}'); do`,
        '  docker stop -t 10 "$c" >/dev/null 2>&1 || true',
        '  docker rm -f "$c" >/dev/null 2>&1 || true',
        "done",
        // Exactly this service's files (<base>-<10 hex>.env): another app's name may start with this one's.
        `rm -f ${shq(`${root}/${CONTAINER_SECRETS_DIR}/${serviceBaseName(app, service)}-`)}${"[0-9a-f]".repeat(10)}.env`,
        `rm -f ${shq(`${root}/${UPSTREAMS_DIR}/${liveMarker(app, service)}`)}`,
    );
}
