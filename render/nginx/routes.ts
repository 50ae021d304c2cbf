// Per app: upstream pools (servers come from the files releases write) and the two routes,
// `/<app>/` to the frontend and `/api/<app>/` to the backend.
import type { AppConfig, PlatformConfig, ServiceConfig } from "../../config/schema";
import { COLORS, Color, ServiceKind, apiPrefix, routePrefix, slotAlias } from "../../config/naming";
import { appCsp, headersSnippet, securityHeaders } from "./headers";
import { PROBE_PATH, liveMarker } from "./layout";

export const PROXY_SNIPPET = "snippets/proxy.conf";
/** Idle connections kept open to each upstream pool. */
export const UPSTREAM_KEEPALIVE = 32;

/** nginx upstream of one slot of an app service, e.g. app1_backend_green ("" gives the common prefix). */
export const upstreamName = (app: string, service: ServiceKind, color: Color | "") => `${app.replace(/-/g, "_")}_${service}_${color}`;

/**
 * Two upstreams per service, one per slot. Each names its slot's DNS alias with `resolve`: nginx
 * follows the address through Docker's DNS without a reload, and starts (or `nginx -t` passes)
 * while no container holds the name yet. A release fills the idle slot and then switches the
 * route to it (liveMarker), so no reload ever happens for a release.
 */
export function appUpstreams(app: AppConfig): string {
    return (["frontend", "backend"] as const)
        .flatMap((s) =>
            COLORS.map((c) => {
                const name = upstreamName(app.name, s, c);
                return `upstream ${name} {\n    zone ${name} 64k;\n    server ${slotAlias(app.name, s, c)}:${app[s].port} resolve max_fails=0;\n    keepalive ${UPSTREAM_KEEPALIVE};\n    keepalive_timeout 60s;\n}\n`;
            }),
        )
        .join("\n");
}

/** Headers sent to every upstream; a block with its own proxy_set_header must include this whole. */
export const PROXY_HEADERS = `proxy_http_version 1.1;
proxy_set_header Host $host;
proxy_set_header Upgrade $http_upgrade;
proxy_set_header Connection $connection_upgrade;
proxy_set_header X-Real-IP $remote_addr;
# nginx is the edge: a client-sent X-Forwarded-For is not trusted, so it is replaced, not appended.
proxy_set_header X-Forwarded-For $remote_addr;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_set_header X-Forwarded-Host $host;
# Framework banners tell attackers what to try.
proxy_hide_header X-Powered-By;
`;

function location(app: AppConfig, kind: ServiceKind, prefix: string, upstreamsDir: string): string {
    const svc: ServiceConfig = app[kind];
    const variable = `$${app.name.replace(/-/g, "_")}_${kind}`;
    const lines = [
        `include ${headersSnippet(app.name)};`,
        ...(kind === "frontend" ? ["proxy_hide_header Cache-Control;", "add_header Cache-Control $frontend_cache_control;"] : []),
        `include ${PROXY_SNIPPET};`,
        // The live slot, read per request: a release switches it by creating or removing one file.
        `set ${variable} ${upstreamName(app.name, kind, "blue")};`,
        `if (-f ${upstreamsDir}/${liveMarker(app.name, kind)}) {`,
        `    set ${variable} ${upstreamName(app.name, kind, "green")};`,
        "}",
        // With a variable in proxy_pass a URI part would replace the whole URI: strip by rewrite.
        ...(svc.keepPrefix ? [] : [`rewrite ^${prefix}/(.*)$ /$1 break;`, `proxy_set_header X-Forwarded-Prefix ${prefix};`]),
        `client_max_body_size ${app.proxy.clientMaxBodySize};`,
        `proxy_read_timeout ${app.proxy.readTimeoutSeconds}s;`,
        `proxy_send_timeout ${app.proxy.readTimeoutSeconds}s;`,
        `proxy_pass http://${variable};`,
    ];
    return `location = ${prefix} {\n    return 301 ${prefix}/$is_args$args;\n}\nlocation ${prefix}/ {\n${lines.map((l) => `    ${l}`).join("\n")}\n}\n`;
}

/** Locations of an app, included inside the domain's HTTPS server. */
export function appLocations(app: AppConfig, upstreamsDir: string): string {
    return `# ${app.name}: frontend ${app.frontend.keepPrefix ? "keeps" : "strips"} its prefix, backend ${app.backend.keepPrefix ? "keeps" : "strips"} its prefix\n` +
        location(app, "frontend", routePrefix(app), upstreamsDir) +
        location(app, "backend", apiPrefix(app), upstreamsDir);
}

/**
 * Loopback-only probes through each slot's upstream (on the status server): a release checks that
 * nginx itself resolves and reaches the new container before it switches (`/probe/<upstream>/...`).
 */
export function probeLocations(apps: readonly AppConfig[]): string {
    return apps
        .flatMap((a) => (["frontend", "backend"] as const).flatMap((s) => COLORS.map((c) => upstreamName(a.name, s, c))))
        .map((u) => `location ${PROBE_PATH}/${u}/ {\n    allow 127.0.0.1;\n    deny all;\n    proxy_connect_timeout 2s;\n    proxy_read_timeout 5s;\n    proxy_pass http://${u}/;\n}\n`)
        .join("");
}

export const appHeaders = (cfg: PlatformConfig, app: AppConfig) => securityHeaders(appCsp(cfg, app), true);
