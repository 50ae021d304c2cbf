// The status page's location in the domain's HTTPS server (the page itself is written by the
// status job, render/monitoring/status/page.py): HTTPS only (the HTTP server redirects), to
// server.adminCidrs and the server itself, 403 for everyone else, with the security headers and
// a CSP that allows the page's one stylesheet and nothing else.
import type { PlatformConfig } from "../../config/schema";
import type { ServerFile } from "../bundle";
import type { NginxRenderOptions } from "./options";
import { formatCidr, opensToInternet, parseCidr } from "../../config/admin-cidrs";
import { STATUS_PAGE_PATH } from "../monitoring/layout";
import { statusPageCsp } from "../monitoring/page-style";
import { securityHeaders } from "./headers";

export const STATUS_PAGE_HEADERS = "snippets/status-page-headers.conf";
/**
 * `allow` lines for this server itself, written by the delivery script (render/nginx/deliver.ts):
 * a request to a published port from the server's own 127.0.0.1 (an SSH tunnel, the local
 * target's https://127.0.0.1:8443) reaches nginx from the gateway of its Docker network, an
 * address known only once the network exists.
 */
export const STATUS_PAGE_HOST_SNIPPET = "snippets/status-page-host.conf";

export const statusPageEnabled = (cfg: PlatformConfig) => cfg.monitoring.enabled && cfg.monitoring.page.enabled;

/**
 * Who may read the page: loopback, and each admin CIDR as its range. A range that only
 * server.sshOpenToInternet allows (wider than /16 or /48) is left out: opening SSH to the
 * internet never opens the page with it.
 */
export function statusPageAllow(cfg: PlatformConfig): string[] {
    const admins = cfg.server.adminCidrs.filter((c) => !opensToInternet(c)).map((c) => formatCidr(parseCidr(c)!));
    return [...new Set(["127.0.0.1", "::1", ...admins])];
}

export function statusPageLocation(cfg: PlatformConfig, o: NginxRenderOptions): string {
    if (!statusPageEnabled(cfg)) return "";
    return `# The platform's status page: admins and this server only.
location = ${STATUS_PAGE_PATH} {
    return 301 ${STATUS_PAGE_PATH}/;
}
location ^~ ${STATUS_PAGE_PATH}/ {
${statusPageAllow(cfg).map((a) => `    allow ${a};`).join("\n")}
    include ${STATUS_PAGE_HOST_SNIPPET};
    deny all;
    include ${STATUS_PAGE_HEADERS};
    alias ${o.paths.statusPage}/;
    index index.html;
}
`;
}

/** Its headers (a block with its own add_header gets none from the server) and the default host snippet. */
export function statusPageFiles(cfg: PlatformConfig): ServerFile[] {
    if (!statusPageEnabled(cfg)) return [];
    return [
        { path: STATUS_PAGE_HEADERS, content: securityHeaders(statusPageCsp(), true) + 'add_header Cache-Control "no-store" always;\n' },
        { path: STATUS_PAGE_HOST_SNIPPET, content: "# Filled in by the delivery script with the gateway of nginx's network.\n" },
    ];
}
