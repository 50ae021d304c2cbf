// The status page (written by the status job, render/monitoring/status/page.py) on an origin of
// its own: a server block on its own port (monitoring.page.port, published beside 80/443), never
// a path of the apps' origin, so no script of any app, opened by an admin, can read it (the
// same-origin policy keys on the port; the page uses no cookie). HTTPS only, to server.adminCidrs
// and nginx's own loopback, 403 for everyone else. No Docker gateway is ever allowed: a
// connection Docker's userland proxy forwards (an IPv6 client, a process on the server) comes
// from a gateway, so allowing one would allow the whole IPv6 internet. Headers: the security set,
// a CSP with only the page's stylesheet and frame-ancestors 'none', Cross-Origin-Resource-Policy
// same-origin (no other origin may even embed its bytes), no-store.
import type { PlatformConfig } from "../../config/schema";
import type { ServerFile } from "../bundle";
import type { NginxRenderOptions } from "./options";
import { formatCidr, opensToInternet, parseCidr } from "../../config/admin-cidrs";
import { dockerRangeOf } from "../../config/exposure-rules";
import { STATUS_PAGE_PATH } from "../monitoring/layout";
import { statusPageCsp } from "../monitoring/page-style";
import { securityHeaders } from "./headers";
import { TLS_SNIPPET } from "./tls";
import { REUSEPORT } from "./listen";

export const STATUS_PAGE_HEADERS = "snippets/status-page-headers.conf";
export const STATUS_PAGE_SERVER = "servers/status-page.conf";

export const statusPageEnabled = (cfg: PlatformConfig) => cfg.monitoring.enabled && cfg.monitoring.page.enabled;

/**
 * Who may read the page: nginx's own loopback, and each admin CIDR as its range. A range that
 * only server.sshOpenToInternet allows (wider than /16 or /48) is left out: opening SSH to the
 * internet never opens the page with it; so is one holding Docker's bridge ranges (validation
 * refuses it; this is the second lock).
 */
export function statusPageAllow(cfg: PlatformConfig): string[] {
    return [...new Set(["127.0.0.1", "::1", ...statusPageAdmins(cfg)])];
}

/** The admin ranges the page is open to (the cloud firewall opens its port to these alone). */
export const statusPageAdmins = (cfg: PlatformConfig) =>
    [...new Set(cfg.server.adminCidrs.filter((c) => !opensToInternet(c) && !dockerRangeOf(c)).map((c) => formatCidr(parseCidr(c)!)))];

export function statusPageServer(cfg: PlatformConfig, o: NginxRenderOptions): string {
    return `# The platform's status page: an origin of its own, admins only.
server {
    listen ${o.listen.statusPage} ssl default_server ${REUSEPORT};
    http2 on;
    server_name _;
    include ${TLS_SNIPPET};
${statusPageAllow(cfg).map((a) => `    allow ${a};`).join("\n")}
    deny all;
    include ${STATUS_PAGE_HEADERS};
    location = / {
        return 302 ${STATUS_PAGE_PATH}/;
    }
    location = ${STATUS_PAGE_PATH} {
        return 301 ${STATUS_PAGE_PATH}/;
    }
    location ^~ ${STATUS_PAGE_PATH}/ {
        alias ${o.paths.statusPage}/;
        index index.html;
    }
    location / {
        return 404;
    }
}
`;
}

/** Its server and its headers (a block with its own add_header gets none from elsewhere). */
export function statusPageFiles(cfg: PlatformConfig, o: NginxRenderOptions): ServerFile[] {
    if (!statusPageEnabled(cfg)) return [];
    const headers = securityHeaders(statusPageCsp(), true) + 'add_header Cross-Origin-Resource-Policy "same-origin" always;\nadd_header Cache-Control "no-store" always;\n';
    return [
        { path: STATUS_PAGE_HEADERS, content: headers },
        { path: STATUS_PAGE_SERVER, content: statusPageServer(cfg, o) },
    ];
}
