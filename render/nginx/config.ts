// The whole nginx configuration, rendered from stack config as files relative to the nginx folder.
// Minimal routing here; TLS, headers, caching and logging grow in their own modules.
import type { AppConfig, PlatformConfig } from "../../stacks/schema";
import { apiPrefix, routePrefix } from "../../stacks/naming";
import type { ServerFile } from "../bundle";
import { IN_CONTAINER, upstreamFile } from "./layout";

export const upstreamName = (app: string, service: "frontend" | "backend") => `${app.replace(/-/g, "_")}_${service}`;

function appUpstreams(app: AppConfig): string {
    return (["frontend", "backend"] as const)
        .map((s) => `upstream ${upstreamName(app.name, s)} {\n    include ${IN_CONTAINER.upstreams}/${upstreamFile(app.name, s)};\n    keepalive 16;\n}\n`)
        .join("\n");
}

function appLocations(app: AppConfig): string {
    const front = routePrefix(app);
    const api = apiPrefix(app);
    return `location ${front}/ {
    proxy_pass http://${upstreamName(app.name, "frontend")};
}
location ${api}/ {
    proxy_pass http://${upstreamName(app.name, "backend")};
}
`;
}

function mainConf(cfg: PlatformConfig): string {
    return `worker_processes auto;
pid /tmp/nginx.pid;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log ${IN_CONTAINER.logs}/access.log;
    error_log ${IN_CONTAINER.logs}/error.log warn;
    server_tokens off;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    include conf.d/*.conf;
    server {
        listen 80 default_server;
        server_name ${cfg.domain};
        location = /health { access_log off; default_type text/plain; return 200 "ok\\n"; }
        include routes/*.conf;
        location / { return 404; }
    }
}
`;
}

export function renderNginxConfig(cfg: PlatformConfig): ServerFile[] {
    return [
        { path: "nginx.conf", content: mainConf(cfg) },
        ...cfg.apps.flatMap((app) => [
            { path: `conf.d/${app.name}.conf`, content: appUpstreams(app) },
            { path: `routes/${app.name}.conf`, content: appLocations(app) },
        ]),
    ];
}
