// Where nginx's files live, on the server and inside the mhylle-nginx container.
// Live config and a staging copy are separate folders so a config is tested before it is used.
import { STATUS_PAGE_CONTAINER_PORT } from "../../config/exposure-rules";
export const NGINX_DIR = "nginx"; // under the platform root: the live config
export const NGINX_STAGING_DIR = "nginx-staging"; // next config, tested with `nginx -t` first
export const NGINX_BACKUP_DIR = "nginx-previous"; // the last live config, restored if a swap fails
export const UPSTREAMS_DIR = "nginx-upstreams"; // which slot of each app service is live, switched by releases
export const CERTS_DIR = "certs"; // certificates nginx serves (bootstrap self-signed, then Let's Encrypt)
export const NGINX_LOGS_DIR = "logs/nginx";

export const IN_CONTAINER = {
    config: "/etc/nginx/platform",
    staging: "/etc/nginx/platform-staging",
    upstreams: "/etc/nginx/upstreams",
    certs: "/etc/nginx/certs",
    logs: "/var/log/nginx",
    acmeWebroot: "/var/www/certbot",
    /** The status page's folder (render/monitoring/layout.ts STATUS_PAGE_DIR), mounted read-only. */
    statusPage: "/usr/share/nginx/status-page",
} as const;

/** The folders nginx reads, as nginx sees them (in the container, or host folders in tests). */
export type NginxPaths = { readonly [K in keyof typeof IN_CONTAINER]: string };

/** Ports nginx listens on inside the container, published beside each other (the status server's never). */
export const CONTAINER_PORTS = { http: 80, https: 443, statusPage: STATUS_PAGE_CONTAINER_PORT } as const;
/** pid file on the container's tmpfs (the root filesystem is read-only). */
export const PID_FILE = "/tmp/nginx.pid";
/** Docker's embedded DNS: upstream slots (network aliases) and OCSP responders. */
export const DOCKER_RESOLVER = "127.0.0.11";
/** How long nginx trusts an answer: a new container in a slot is routable within this. */
export const RESOLVER_VALID_SECONDS = 1;
/** Where the status server proxies to each slot's upstream, for a release's checks (loopback only). */
export const PROBE_PATH = "/probe";

/** nginx.conf of a folder; includes inside it are relative to that folder. */
export const mainConfig = (dir: string) => `${dir}/nginx.conf`;
/**
 * Present: the service's green slot is live; absent: blue. nginx checks it per request, so a
 * release switches traffic by creating or removing this one file, with no reload.
 */
export const liveMarker = (app: string, service: string) => `${app}-${service}.green`;
/** Certificate folder of a domain under the certs folder (certbot's live/ layout). */
export const certLiveDir = (certsDir: string, domain: string) => `${certsDir}/live/${domain}`;
export const certFiles = (certsDir: string, domain: string) => ({
    fullchain: `${certLiveDir(certsDir, domain)}/fullchain.pem`,
    privkey: `${certLiveDir(certsDir, domain)}/privkey.pem`,
});

/** Lock (under the platform root) taken by everything that rewrites nginx files and reloads it. */
export const NGINX_LOCK = "state/nginx.lock";
/**
 * Releases hold this shared while their watch counts 5xx in the access log; log rotation takes it
 * exclusively, so it never renames the log from under a watch (the count would miss every line
 * before the rename).
 */
export const ACCESS_LOG_LOCK = "state/access-log.lock";
/** nginx flushes its buffered access log at least this often; readers of the log wait this long. */
export const ACCESS_LOG_FLUSH_SECONDS = 1;
