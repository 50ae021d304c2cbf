// Monitoring, whole: the status job and its platform-status program, the monthly VACUUM and nginx's
// log rotation (jobs for the Scheduler, rendered by render/monitoring/jobs.ts), the alert channels'
// secrets on the server, and the Prometheus exporters for nginx and PostgreSQL
// (monitoring.prometheus.enabled), for the seed's future Prometheus + Grafana. Published nowhere:
// they sit on the internal mhylle-monitoring network where a Prometheus container would join;
// with `loopback`, also on 127.0.0.1 of the server (reach it through an SSH tunnel).
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { Host } from "./host";
import { coreContainer, CoreContainerArgs } from "./core-container";
import { containerPolicy } from "../render/container-policy";
import type { PlatformConfig } from "../config/schema";
import { psqlScript } from "../render/database-scripts";
import { ROLE_PASSWORD_ENV } from "../render/database-sql";
import { EXPORTER_CONTAINERS, EXPORTER_PASSWORD_FILE, EXPORTER_PASSWORD_PATH, EXPORTER_PORTS, EXPORTER_USER, monitorRoleSql, nginxScrapeUri, postgresExporterEnvs } from "../render/monitoring/exporters";
import { writeContainerSecretScript } from "../render/secret-file";
import { script, shq } from "../render/shell";
import { PLATFORM_LABEL } from "../config/naming";
import { alertSecretsFile, installAlertSecretsScript, removeAlertSecretsScript } from "../render/monitoring/alert-secrets";
import { monitoringSchedule } from "../render/monitoring/jobs";
import { productionTargets } from "../render/backup/layout";
import type { ManagedClient } from "../render/backup/managed-client";
import type { BinCommand, ScheduledJob } from "../render/schedule";

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
    /** The platform's config: the status report checks its apps, domain, containers and monitoring settings. */
    readonly config: PlatformConfig;
    /** nginx's network (the stub_status server listens there). */
    readonly coreNetwork: docker.Network;
    /** The internal database network. */
    readonly databaseNetwork: docker.Network;
    /** The postgres container: the exporter's role is created in it. */
    readonly database: pulumi.Resource;
    /** The proxy's config delivery (its status server is what the nginx exporter scrapes). */
    readonly proxyConfig: pulumi.Resource;
    /**
     * The PostgreSQL container runs here: its exporter and its monthly VACUUM (false with the
     * managed database: Scaleway maintains it and its Cockpit has the metrics). @default true
     */
    readonly postgresContainer?: boolean;
    /** This server runs the nightly dump: the status report judges it. */
    readonly backups: boolean;
    /** The managed database's client settings, once apps use it: the status report checks the instance. */
    readonly managed?: ManagedClient;
    readonly alertSecrets?: AlertSecrets;
    /** nginx here serves the domain's own certificate, whose expiry the report checks. @default one server */
    readonly ownCertificate?: boolean;
}

export class Monitoring extends pulumi.ComponentResource {
    readonly network?: docker.Network;
    readonly exporters: docker.Container[] = [];
    /** Maintenance, log rotation and the status job, for the platform's Scheduler. */
    readonly jobs: readonly ScheduledJob[];
    /** platform-status, installed beside the jobs. */
    readonly commands: readonly BinCommand[];

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:Monitoring", args.host.name(name), {}, opts);
        const postgresContainer = args.postgresContainer ?? true;
        ({ jobs: this.jobs, commands: this.commands } = monitoringSchedule(args.config, productionTargets(args.host.root), { postgresContainer, backups: args.backups, managed: args.managed, ownCertificate: args.ownCertificate }));
        const m = args.config.monitoring;
        if (m.enabled) this.installAlertSecrets(name, args);
        if (!m.enabled || !m.prometheus.enabled) {
            this.registerOutputs({});
            return;
        }
        this.network = new docker.Network(
            args.host.name(MONITORING_NETWORK),
            { name: MONITORING_NETWORK, driver: "bridge", internal: true, labels: [{ label: PLATFORM_LABEL, value: "monitoring-network" }] },
            { parent: this, provider: args.host.docker },
        );
        this.exporters.push(this.nginxExporter(args, this.network));
        if (postgresContainer) this.exporters.push(this.postgresExporter(name, args, this.network));
        this.registerOutputs({ network: this.network.name });
    }

    /** An exporter: no state, no root, on the monitoring network and (with `loopback`) 127.0.0.1. */
    private exporter(args: MonitoringArgs, container: string, image: string, settings: CoreContainerArgs, dependsOn: pulumi.Resource[]) {
        return coreContainer(this, {
            host: args.host,
            name: container,
            image,
            role: "metrics",
            policy: containerPolicy({ memoryMb: args.config.monitoring.prometheus.memoryMb }),
            stopGraceSeconds: EXPORTER_STOP_GRACE_SECONDS,
            args: { user: EXPORTER_USER, ...settings },
            dependsOn,
        }).container;
    }

    /** Publishing needs a non-internal network: only with `loopback`, and only on 127.0.0.1. */
    private static ports(args: MonitoringArgs, port: number) {
        return args.config.monitoring.prometheus.loopback ? [{ internal: port, external: port, ip: "127.0.0.1", protocol: "tcp" }] : [];
    }

    /** Scrapes nginx's stub_status server on the core network. */
    private nginxExporter(args: MonitoringArgs, network: docker.Network) {
        const p = args.config.monitoring.prometheus;
        return this.exporter(
            args,
            EXPORTER_CONTAINERS.nginx,
            p.nginxExporterImage,
            {
                command: [`--nginx.scrape-uri=${nginxScrapeUri(args.config.proxy.statusPort)}`],
                networksAdvanced: [{ name: args.coreNetwork.name }, { name: network.name }],
                ports: Monitoring.ports(args, EXPORTER_PORTS.nginx),
            },
            [args.proxyConfig],
        );
    }

    /** Logs in as a monitoring role of its own, created in the container with a generated password. */
    private postgresExporter(name: string, args: MonitoringArgs, network: docker.Network) {
        const p = args.config.monitoring.prometheus;
        const password = new random.RandomPassword(args.host.name(`${name}-postgres-exporter-password`), { length: 32, special: false }, { parent: this });
        const role = args.host.runScript(
            `${name}-monitor-role`,
            { create: psqlScript(monitorRoleSql(ROLE_PASSWORD_ENV), true), stdin: pulumi.secret(pulumi.interpolate`${password.result}\n`), quiet: true },
            { parent: this, dependsOn: [args.database] },
        );
        // The password as a file only the exporter's user reads, handed over by the pinned PostgreSQL image.
        const file = `${args.host.root}/${EXPORTER_PASSWORD_FILE}`;
        const secret = args.host.runScript(
            `${name}-postgres-exporter-secret`,
            { create: writeContainerSecretScript(file, { image: args.config.images.postgres, owner: EXPORTER_USER }), delete: script(`rm -f ${shq(file)}`), stdin: pulumi.secret(password.result), quiet: true },
            { parent: this, dependsOn: [args.database] },
        );
        const volumes = [{ hostPath: file, containerPath: EXPORTER_PASSWORD_PATH, readOnly: true }];
        const networksAdvanced = [{ name: args.databaseNetwork.name }, { name: network.name }, ...(p.loopback ? [{ name: args.coreNetwork.name }] : [])];
        return this.exporter(args, EXPORTER_CONTAINERS.postgres, p.postgresExporterImage, { envs: postgresExporterEnvs(), volumes, networksAdvanced, ports: Monitoring.ports(args, EXPORTER_PORTS.postgres) }, [role, secret]);
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
