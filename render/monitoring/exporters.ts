// Prometheus exporters (optional): names, ports, and what they read. nginx's stub_status server
// (proxy.statusPort, render/nginx/servers.ts) already exists for them; none is published on a
// public address (see components/monitoring.ts for the networks).
import { STATUS_PATH } from "../nginx/servers";
import { NGINX_CONTAINER } from "../../config/naming";

export const EXPORTER_CONTAINERS = { nginx: "mhylle-nginx-exporter", postgres: "mhylle-postgres-exporter" } as const;
export const EXPORTER_PORTS = { nginx: 9113, postgres: 9187 } as const;
/** Login role postgres-exporter uses: member of pg_monitor, nothing else. */
export const MONITOR_ROLE = "platform_monitor";

/** What nginx-prometheus-exporter scrapes: the proxy's status server over the core network. */
export const nginxScrapeUri = (statusPort: number) => `http://${NGINX_CONTAINER}:${statusPort}${STATUS_PATH}`;

/** SQL for the exporter's role; its password is read from the environment (\\getenv). */
export function monitorRoleSql(passwordEnv: string): string {
    return `\\set ON_ERROR_STOP on
\\getenv role_password ${passwordEnv}
SELECT 'CREATE ROLE ${MONITOR_ROLE} LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${MONITOR_ROLE}')\\gexec
ALTER ROLE ${MONITOR_ROLE} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE CONNECTION LIMIT 3 PASSWORD :'role_password';
GRANT pg_monitor TO ${MONITOR_ROLE};
`;
}
