// Where the status job keeps its history, alert state and page on the server (relative to the
// platform root), and what the release script and nginx need to know of them.
import type { PlatformConfig } from "../../config/schema";
import { SECRETS_DIR } from "../secret-file";

/** One file of samples per UTC day, plus the release events. */
export const HISTORY_DIR = "state/history";
/** Release events, one JSON line each, appended by render/app/release.sh; rotated by the status job. */
export const RELEASE_EVENTS = `${HISTORY_DIR}/events.jsonl`;
/** The events file is set aside (events.jsonl.1) past this size or once it holds an event past retention. */
export const EVENTS_MAX_BYTES = 256 * 1024;
/** Hysteresis, what was announced, the outbox and delivery failures. */
export const ALERT_STATE = "state/alerts.json";
/** The webhook URL and SMTP password (0600, `name=<base64>` lines), written from a command's stdin. */
export const ALERT_SECRETS = `${SECRETS_DIR}/alerts.env`;
/** The page's folder: nginx mounts it read-only and serves it at STATUS_PAGE_PATH. */
export const STATUS_PAGE_DIR = "status-page";
/** Reserved in config/rules.ts RESERVED_PREFIXES. */
export const STATUS_PAGE_PATH = "/status";

/** Where admins open the page: its own origin, the domain's (or this machine's) monitoring.page.port. */
export function statusPageUrl(cfg: PlatformConfig): string {
    return `https://${cfg.target === "local" ? "127.0.0.1" : cfg.domain}:${cfg.monitoring.page.port}${STATUS_PAGE_PATH}/`;
}
