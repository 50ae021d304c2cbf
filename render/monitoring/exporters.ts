// Prometheus exporters (optional): names, ports, and what they read. nginx's stub_status server
// (proxy.statusPort, render/nginx/servers.ts) already exists for them; none is published on a
// public address (see components/monitoring.ts for the networks).
import { STATUS_PATH } from "../nginx/servers";
import { NGINX_CONTAINER, POSTGRES_HOST } from "../../config/naming";
import { SECRETS_DIR } from "../secret-file";

export const EXPORTER_CONTAINERS = { nginx: "mhylle-nginx-exporter", postgres: "mhylle-postgres-exporter" } as const;
export const EXPORTER_PORTS = { nginx: 9113, postgres: 9187 } as const;
/** Login role postgres-exporter uses: member of pg_monitor, nothing else. */
export const MONITOR_ROLE = "platform_monitor";

/** The exporters' user: nobody, as in their images. */
export const EXPORTER_USER = "65534:65534";
/** The monitor role's password on the host (0600, owned by EXPORTER_USER) and in the exporter. */
export const EXPORTER_PASSWORD_FILE = `${SECRETS_DIR}/postgres-exporter-password`;
export const EXPORTER_PASSWORD_PATH = "/run/secrets/postgres-exporter-password";

/**
 * postgres-exporter's environment: the password as a file (DATA_SOURCE_PASS_FILE, read by
 * cmd/postgres_exporter/datasource.go getDataSources since v0.11), never DATA_SOURCE_PASS, which
 * `docker inspect` shows.
 */
export function postgresExporterEnvs(): string[] {
    return [`DATA_SOURCE_URI=${POSTGRES_HOST}:5432/postgres?sslmode=disable`, `DATA_SOURCE_USER=${MONITOR_ROLE}`, `DATA_SOURCE_PASS_FILE=${EXPORTER_PASSWORD_PATH}`];
}

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
