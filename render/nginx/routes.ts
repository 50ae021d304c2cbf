// Per app: upstream pools (servers come from the files releases write) and the two routes,
// `/<app>/` to the frontend and `/api/<app>/` to the backend.
import type { AppConfig, PlatformConfig, ServiceConfig } from "../../stacks/schema";
import { ServiceKind, apiPrefix, routePrefix } from "../../stacks/naming";
import { appCsp, headersSnippet, securityHeaders } from "./headers";
import { upstreamFile } from "./layout";

export const PROXY_SNIPPET = "snippets/proxy.conf";
/** Idle connections kept open to each upstream pool. */
export const UPSTREAM_KEEPALIVE = 32;

export const upstreamName = (app: string, service: ServiceKind) => `${app.replace(/-/g, "_")}_${service}`;

export function appUpstreams(app: AppConfig, upstreamsDir: string): string {
    return (["frontend", "backend"] as const)
        .map((s) => `upstream ${upstreamName(app.name, s)} {\n    include ${upstreamsDir}/${upstreamFile(app.name, s)};\n    keepalive ${UPSTREAM_KEEPALIVE};\n    keepalive_timeout 60s;\n}\n`)
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

function location(app: AppConfig, kind: ServiceKind, prefix: string): string {
    const svc: ServiceConfig = app[kind];
    // proxy_pass with a URI part replaces the matched prefix: `/app1/x` reaches the service as `/x`.
    const target = `http://${upstreamName(app.name, kind)}${svc.keepPrefix ? "" : "/"}`;
    const lines = [
        `include ${headersSnippet(app.name)};`,
        ...(kind === "frontend" ? ["proxy_hide_header Cache-Control;", "add_header Cache-Control $frontend_cache_control;"] : []),
        `include ${PROXY_SNIPPET};`,
        ...(svc.keepPrefix ? [] : [`proxy_set_header X-Forwarded-Prefix ${prefix};`]),
        `client_max_body_size ${app.proxy.clientMaxBodySize};`,
        `proxy_read_timeout ${app.proxy.readTimeoutSeconds}s;`,
        `proxy_send_timeout ${app.proxy.readTimeoutSeconds}s;`,
        `proxy_pass ${target};`,
    ];
    return `location = ${prefix} {\n    return 301 ${prefix}/$is_args$args;\n}\nlocation ${prefix}/ {\n${lines.map((l) => `    ${l}`).join("\n")}\n}\n`;
}

/** Locations of an app, included inside the domain's HTTPS server. */
export function appLocations(app: AppConfig): string {
    return `# ${app.name}: frontend ${app.frontend.keepPrefix ? "keeps" : "strips"} its prefix, backend ${app.backend.keepPrefix ? "keeps" : "strips"} its prefix\n` +
        location(app, "frontend", routePrefix(app)) +
        location(app, "backend", apiPrefix(app));
}

export const appHeaders = (cfg: PlatformConfig, app: AppConfig) => securityHeaders(appCsp(cfg, app), true);
