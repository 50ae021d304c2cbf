// The whole nginx configuration, rendered from stack config as files relative to the nginx folder.
// Every include of our own files is relative, so `nginx -t -c <staging>/nginx.conf` tests the
// staged files, not the live ones.
import type { PlatformConfig } from "../../config/schema";
import type { ServerFile } from "../bundle";
import { CACHE_CONTROL_MAP, HTTP_HEADERS_SNIPPET, headersSnippet, securityHeaders } from "./headers";
import { NginxRenderOptions, productionOptions } from "./options";
import { PROXY_HEADERS, PROXY_SNIPPET, appHeaders, appLocations, appUpstreams, probeLocations } from "./routes";
import { ACME_SNIPPET, acmeSnippet, httpServers, httpsServers, statusServer } from "./servers";
import { tlsFiles } from "./tls";
import { statusPageFiles } from "./status-page";
import { ACCESS_LOG_FLUSH_SECONDS, RESOLVER_VALID_SECONDS } from "./layout";
import { FORWARDED_PROTO, LB_SERVERS_FILE, forwardedProtoMap, loadBalancerServers } from "./load-balancer";

export { upstreamName } from "./routes";

/** Compressed when larger than gzip_min_length (text/html always is). */
export const GZIP_TYPES = [
    "text/plain", "text/css", "text/xml", "text/javascript", "application/javascript", "application/json",
    "application/xml", "application/manifest+json", "application/rss+xml", "image/svg+xml", "font/ttf", "application/wasm",
];

// One JSON object per request; escape=json keeps client-controlled values from breaking the line.
export const LOG_FORMAT = `log_format platform_json escape=json '{"time":"$time_iso8601","remote_addr":"$remote_addr",'
        '"host":"$host","method":"$request_method","uri":"$request_uri","status":$status,'
        '"bytes_sent":$body_bytes_sent,"request_time":$request_time,'
        '"upstream_addr":"$upstream_addr","upstream_status":"$upstream_status",'
        '"upstream_response_time":"$upstream_response_time","user_agent":"$http_user_agent","msec":$msec}';`;

function mainConf(cfg: PlatformConfig, o: NginxRenderOptions): string {
    return `${o.user ? `user ${o.user};\n` : ""}worker_processes ${o.workerProcesses ?? "auto"};
pid ${o.pidFile};
error_log ${o.paths.logs}/error.log warn;
events {
    worker_connections 2048;
}
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65s;
    # nginx ends a client connection after this many requests: on HTTP/2 with a GOAWAY that refuses
    # the streams already in flight, which a client that never retries loses (default 1000).
    keepalive_requests 100000;
    # Relative redirects keep the port the client used (published ports differ from 80/443 locally).
    absolute_redirect off;
    ${LOG_FORMAT}
    # Buffered: one write per 64k of log lines or per second, not one per request.
    access_log ${o.paths.logs}/access.log platform_json buffer=64k flush=${ACCESS_LOG_FLUSH_SECONDS}s;

    map $http_upgrade $connection_upgrade {
        default upgrade;
        "" "";
    }
${CACHE_CONTROL_MAP.trimEnd().split("\n").map((l) => `    ${l}`).join("\n")}
${o.loadBalancer ? forwardedProtoMap(o.loadBalancer.port, cfg.loadBalancer.letsEncrypt ? "https" : "http").trimEnd().split("\n").map((l) => `    ${l}`).join("\n") + "\n" : ""}
    gzip on;
    gzip_vary on;
    gzip_proxied any;
    gzip_comp_level 5;
    gzip_min_length 1024;
    gzip_types ${GZIP_TYPES.join(" ")};

    client_max_body_size 10m;
    proxy_connect_timeout 5s;
    # Room for names up to DNS's 253 characters (the default fits about 40 in server_name).
    server_names_hash_bucket_size 512;

    # Upstream slots are container names on Docker's networks, followed without reloads.
    resolver ${o.resolver} valid=${RESOLVER_VALID_SECONDS}s ipv6=off;
    resolver_timeout 5s;

    include conf.d/*.conf;
    include servers/*.conf;
}
`;
}

/** @param options paths and ports as nginx sees them; production values by default. */
export function renderNginxConfig(cfg: PlatformConfig, options: NginxRenderOptions = productionOptions(cfg)): ServerFile[] {
    const o = options;
    return [
        { path: "nginx.conf", content: mainConf(cfg, o) },
        ...tlsFiles(o.paths.certs, cfg.domain),
        { path: headersSnippet(), content: securityHeaders(cfg.proxy.csp, true) },
        { path: HTTP_HEADERS_SNIPPET, content: securityHeaders(cfg.proxy.csp, false) },
        { path: PROXY_SNIPPET, content: o.loadBalancer ? PROXY_HEADERS.replace("X-Forwarded-Proto $scheme;", `X-Forwarded-Proto ${FORWARDED_PROTO};`) : PROXY_HEADERS },
        { path: ACME_SNIPPET, content: acmeSnippet(o.paths.acmeWebroot) },
        { path: "servers/http.conf", content: httpServers(cfg, o) },
        { path: "servers/https.conf", content: httpsServers(cfg, o) },
        { path: "servers/status.conf", content: statusServer(o, probeLocations(cfg.apps)) },
        ...(o.loadBalancer ? [{ path: LB_SERVERS_FILE, content: loadBalancerServers(cfg, o.loadBalancer, o.paths.upstreams) }] : []),
        ...statusPageFiles(cfg, o),
        ...cfg.apps.flatMap((app) => [
            { path: `conf.d/${app.name}.conf`, content: appUpstreams(app) },
            { path: `routes/${app.name}.conf`, content: appLocations(app, o.paths.upstreams) },
            { path: headersSnippet(app.name), content: appHeaders(cfg, app) },
        ]),
    ];
}
