// The server blocks: HTTP (ACME challenge, /health, redirect to HTTPS), the domain's HTTPS server
// with every app's routes, alias redirects, and the internal status server.
import type { PlatformConfig } from "../../config/schema";
import type { NginxRenderOptions } from "./options";
import { HTTP_HEADERS_SNIPPET, headersSnippet } from "./headers";
import { TLS_SNIPPET } from "./tls";
import { REUSEPORT } from "./listen";

export const ACME_SNIPPET = "snippets/acme-challenge.conf";
export const STATUS_PATH = "/nginx_status";
/** Who may read the status page: loopback and private ranges (Docker networks), never the internet. */
export const STATUS_ALLOW = ["127.0.0.1", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

export const acmeSnippet = (webroot: string) => `location ^~ /.well-known/acme-challenge/ {
    root ${webroot};
    default_type text/plain;
    try_files $uri =404;
}
`;

const HEALTH = `location = /health {
    access_log off;
    default_type text/plain;
    return 200 "ok\\n";
}`;

const indent = (text: string) => text.trimEnd().split("\n").map((l) => (l ? `    ${l}` : l)).join("\n");
const portSuffix = (port: number) => (port === 443 ? "" : `:${port}`);

export function httpServers(cfg: PlatformConfig, o: NginxRenderOptions): string {
    const https = portSuffix(o.publicHttpsPort);
    const server = (names: string, extra: string, target: string) => `server {
    listen ${o.listen.http}${extra};
    server_name ${names};
    include ${HTTP_HEADERS_SNIPPET};
    include ${ACME_SNIPPET};
${indent(HEALTH)}
    location / {
        return 301 https://${target}${https}$request_uri;
    }
}
`;
    return [
        server(cfg.domain, ` default_server ${REUSEPORT}`, "$host"),
        ...(cfg.aliases.length ? [server(cfg.aliases.join(" "), "", cfg.domain)] : []),
    ].join("\n");
}

// `http2 on;` per server, not `listen ... http2` (deprecated since nginx 1.25.1: a warning at every `nginx -t`).
export function httpsServers(cfg: PlatformConfig, o: NginxRenderOptions): string {
    const primary = `server {
    listen ${o.listen.https} ssl default_server ${REUSEPORT};
    http2 on;
    server_name ${cfg.domain};
    include ${TLS_SNIPPET};
    include ${headersSnippet()};
${indent(HEALTH)}
    include routes/*.conf;
    location / {
        return 404;
    }
}
`;
    const aliases = cfg.aliases.length
        ? `server {
    listen ${o.listen.https} ssl;
    http2 on;
    server_name ${cfg.aliases.join(" ")};
    include ${TLS_SNIPPET};
    include ${headersSnippet()};
    return 301 https://${cfg.domain}${portSuffix(o.publicHttpsPort)}$request_uri;
}
`
        : "";
    return [primary, aliases].filter(Boolean).join("\n");
}

/** @param probes the release probes (loopback only, see routes.ts). */
export function statusServer(o: NginxRenderOptions, probes = ""): string {
    return `# Monitoring only: this port is not published, and only private addresses may read it.
server {
    listen ${o.listen.status} ${REUSEPORT};
    server_name _;
    access_log off;
    location = ${STATUS_PATH} {
${STATUS_ALLOW.map((a) => `        allow ${a};`).join("\n")}
        deny all;
        stub_status;
    }
${indent(probes)}
    location / {
        return 404;
    }
}
`;
}
