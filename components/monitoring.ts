// Monitoring's resources: the alert channels' secrets on the server (the status job itself is a
// ScheduledJob, render/ops.ts), and the Prometheus exporters for nginx and PostgreSQL
// (monitoring.prometheus.enabled), for the seed's future Prometheus + Grafana. Published nowhere:
// they sit on the internal mhylle-monitoring network where a Prometheus container would join;
// with `loopback`, also on 127.0.0.1 of the server (reach it through an SSH tunnel).
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { Host } from "./host";
import { coreContainer, CoreContainerArgs } from "./core-container";
import { containerPolicy } from "../render/container-policy";
import type { MonitoringConfig } from "../config/schema";
import { psqlScript } from "../render/database-scripts";
import { ROLE_PASSWORD_ENV } from "../render/database-sql";
import { EXPORTER_CONTAINERS, EXPORTER_PORTS, MONITOR_ROLE, monitorRoleSql, nginxScrapeUri } from "../render/monitoring/exporters";
import { PLATFORM_LABEL, POSTGRES_HOST } from "../config/naming";
import { alertSecretsFile, installAlertSecretsScript, removeAlertSecretsScript } from "../render/monitoring/alert-secrets";

export const MONITORING_NETWORK = "mhylle-monitoring";
/** Exporters hold no state: a short grace. */
export const EXPORTER_STOP_GRACE_SECONDS = 5;

/** Config secrets of the alert channels (alertWebhookUrl, alertSmtpPassword), when their channel is on. */
export interface AlertSecrets {
    readonly webhookUrl?: pulumi.Output<string>;
    readonly smtpPassword?: pulumi.Output<string>;
}

export interface MonitoringArgs {
    readonly host: Host;
    readonly config: MonitoringConfig;
    /** nginx's network (the stub_status server listens there). */
    readonly coreNetwork: docker.Network;
    /** The internal database network. */
    readonly databaseNetwork: docker.Network;
    /** The postgres container: the exporter's role is created in it. */
    readonly database: pulumi.Resource;
    /** The proxy's config delivery (its status server is what the nginx exporter scrapes). */
    readonly proxyConfig: pulumi.Resource;
    /** proxy.statusPort: nginx's stub_status server, on the core network only. */
    readonly nginxStatusPort: number;
    /** Run the PostgreSQL exporter (false with the managed database: Scaleway's Cockpit has its metrics). @default true */
    readonly postgresExporter?: boolean;
    readonly alertSecrets?: AlertSecrets;
}

export class Monitoring extends pulumi.ComponentResource {
    readonly network?: docker.Network;
    readonly exporters: docker.Container[] = [];

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:Monitoring", args.host.name(name), {}, opts);
        if (args.config.enabled) this.installAlertSecrets(name, args);
        const p = args.config.prometheus;
        if (!args.config.enabled || !p.enabled) {
            this.registerOutputs({});
            return;
        }
        const provider = args.host.docker;
        this.network = new docker.Network(
            args.host.name(MONITORING_NETWORK),
            { name: MONITORING_NETWORK, driver: "bridge", internal: true, labels: [{ label: PLATFORM_LABEL, value: "monitoring-network" }] },
            { parent: this, provider },
        );
        // Publishing needs a non-internal network: only with `loopback`, and only on 127.0.0.1.
        const ports = (port: number) => (p.loopback ? [{ internal: port, external: port, ip: "127.0.0.1", protocol: "tcp" }] : []);

        const exporter = (container: string, image: string, settings: CoreContainerArgs, dependsOn: pulumi.Resource[]) =>
            coreContainer(this, {
                host: args.host,
                name: container,
                image,
                role: "metrics",
                policy: containerPolicy({ memoryMb: p.memoryMb }),
                stopGraceSeconds: EXPORTER_STOP_GRACE_SECONDS,
                args: { user: "65534:65534", ...settings },
                dependsOn,
            }).container;
        this.exporters.push(
            exporter(
                EXPORTER_CONTAINERS.nginx,
                p.nginxExporterImage,
                {
                    command: [`--nginx.scrape-uri=${nginxScrapeUri(args.nginxStatusPort)}`],
                    networksAdvanced: [{ name: args.coreNetwork.name }, { name: this.network.name }],
                    ports: ports(EXPORTER_PORTS.nginx),
                },
                [args.proxyConfig],
            ),
        );

        if (args.postgresExporter === false) {
            this.registerOutputs({ network: this.network.name });
            return;
        }
        const password = new random.RandomPassword(args.host.name(`${name}-postgres-exporter-password`), { length: 32, special: false }, { parent: this });
        const role = args.host.runScript(
            `${name}-monitor-role`,
            { create: psqlScript(monitorRoleSql(ROLE_PASSWORD_ENV), true), stdin: pulumi.interpolate`${password.result}\n`, quiet: true },
            { parent: this, dependsOn: [args.database] },
        );
        this.exporters.push(
            exporter(
                EXPORTER_CONTAINERS.postgres,
                p.postgresExporterImage,
                {
                    envs: pulumi.secret(
                        password.result.apply((pw) => [
                            `DATA_SOURCE_URI=${POSTGRES_HOST}:5432/postgres?sslmode=disable`,
                            `DATA_SOURCE_USER=${MONITOR_ROLE}`,
                            `DATA_SOURCE_PASS=${pw}`,
                        ]),
                    ),
                    networksAdvanced: [
                        { name: args.databaseNetwork.name },
                        { name: this.network.name },
                        ...(p.loopback ? [{ name: args.coreNetwork.name }] : []),
                    ],
                    ports: ports(EXPORTER_PORTS.postgres),
                },
                [role],
            ),
        );
        this.registerOutputs({ network: this.network.name });
    }

    /** The status job reads the channels' secrets from a 0600 file, written from this command's stdin. */
    private installAlertSecrets(name: string, args: MonitoringArgs) {
        const s = args.alertSecrets;
        if (!s?.webhookUrl && !s?.smtpPassword) return;
        const root = args.host.root;
        args.host.runScript(
            `${name}-alert-secrets`,
            {
                create: installAlertSecretsScript(root),
                delete: removeAlertSecretsScript(root),
                stdin: pulumi.secret(pulumi.all([s.webhookUrl, s.smtpPassword]).apply(([webhookUrl, smtpPassword]) => alertSecretsFile({ webhookUrl, smtpPassword }))),
                quiet: true,
            },
            { parent: this },
        );
    }
}
