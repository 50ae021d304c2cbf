// Prometheus exporters (optional): names, ports and the nginx stub_status server they scrape.
// None is published on a public address; see components/monitoring.ts for the networks.
import type { ServerFile } from "../bundle";

export const EXPORTER_CONTAINERS = { nginx: "mhylle-nginx-exporter", postgres: "mhylle-postgres-exporter" } as const;
export const EXPORTER_PORTS = { nginx: 9113, postgres: 9187 } as const;
/** Port of nginx's stub_status server: on the core network only, never published. */
export const NGINX_STATUS_PORT = 8081;
/** Login role postgres-exporter uses: member of pg_monitor, nothing else. */
export const MONITOR_ROLE = "platform_monitor";

/** An extra nginx conf.d file: stub_status for the exporter, refused to everything but private networks. */
export function nginxStatusFiles(): ServerFile[] {
    return [
        {
            path: "conf.d/zz-metrics.conf",
            content: `# Metrics for nginx-prometheus-exporter: a port that is not published, private addresses only.
server {
    listen ${NGINX_STATUS_PORT};
    access_log off;
    location = /nginx_status { stub_status; allow 127.0.0.1; allow 10.0.0.0/8; allow 172.16.0.0/12; allow 192.168.0.0/16; deny all; }
    location / { return 404; }
}
`,
        },
    ];
}

/** SQL for the exporter's role; its password is read from the environment (\\getenv). */
export function monitorRoleSql(passwordEnv: string): string {
    return `\\set ON_ERROR_STOP on
\\getenv role_password ${passwordEnv}
SELECT 'CREATE ROLE ${MONITOR_ROLE} LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${MONITOR_ROLE}')\\gexec
ALTER ROLE ${MONITOR_ROLE} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE CONNECTION LIMIT 3 PASSWORD :'role_password';
GRANT pg_monitor TO ${MONITOR_ROLE};
`;
}
