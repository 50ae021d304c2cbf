// The platform on a given host: networks, database, proxy, auto-updater, every app and the
// operations (certificates, backups, monitoring, the scheduler of their jobs).
// The same composition serves both targets and every server of several; only the Host and the
// server's role (which server, behind a load balancer, with the managed database) differ.
import * as pulumi from "@pulumi/pulumi";
import { Host } from "../components/host";
import { Networks } from "../components/networks";
import { Database } from "../components/database";
import { Proxy, ProxyBehindLoadBalancer } from "../components/proxy";
import { AutoUpdater } from "../components/auto-updater";
import { App, AppSecrets } from "../components/app";
import { Backups } from "../components/backups";
import { AlertSecrets, Monitoring } from "../components/monitoring";
import { RegistryCredential, RegistryLogins } from "../components/registry";
import { Certificates } from "../components/certificates";
import { Scheduler } from "../components/scheduler";
import type { DatabaseClient } from "../components/database-client";
import type { ManagedDatabaseRefs as ManagedDatabase } from "../components/managed-database";
import type { PlatformConfig } from "../config/schema";
import { DatabaseSide, Site, appDatabase, databaseSide, managedClient, siteOf } from "./platform-database";

export interface Platform {
    readonly networks: Networks;
    /** The PostgreSQL container (absent with the managed database). */
    readonly database?: Database;
    readonly databaseClient?: DatabaseClient;
    readonly proxy: Proxy;
    readonly autoUpdater?: AutoUpdater;
    readonly apps: Record<string, App>;
    readonly certificates: Certificates;
    readonly backups?: Backups;
    readonly monitoring: Monitoring;
    readonly scheduler: Scheduler;
}

/** What the program knows before building: registry logins, and each image as pinned (already in config). */
export interface Releases {
    readonly credentials: readonly RegistryCredential[];
    /** Image per config field (apps[i].frontend.image, images.nginx, ...), pinned by digest when resolved. */
    readonly images: Record<string, string>;
}

export type { AppSecrets };

/** Secrets the platform needs beyond stack config's plain values. */
export interface PlatformSecrets {
    /** The secret config keys apps' secretEnv names. */
    readonly appSecrets?: AppSecrets;
    /** The alert channels' secrets (monitoring.alerts). */
    readonly alertSecrets?: AlertSecrets;
    /** backupCipherPass: encrypts the pgBackRest repositories (backups.pitr.enabled). */
    readonly pitrCipherPass?: pulumi.Output<string>;
}

/** Which server this is, and what it shares with the others. The first server alone by default. */
export interface ServerRole {
    /** 0 for the first server: it runs the fleet's jobs (the nightly dump, the off-site copy). */
    readonly index: number;
    /** Behind the load balancer: nginx's listener for it, on the server's private address. */
    readonly loadBalancer?: ProxyBehindLoadBalancer;
    /** Scaleway's managed PostgreSQL instead of the container. */
    readonly managed?: ManagedDatabase;
    /** One of several servers: releases are installed here and rolled over the fleet (stacks/rollouts.ts). */
    readonly phased?: boolean;
}

export interface PlatformArgs {
    readonly cfg: PlatformConfig;
    readonly host: Host;
    readonly releases: Releases;
    /** Parent of every component. @default none (top level) */
    readonly parent?: pulumi.Resource;
    /** @default none (no off-site copy, no alert channel secrets) */
    readonly secrets?: PlatformSecrets;
    /** @default the first server alone */
    readonly role?: ServerRole;
}

function autoUpdaterOf(site: Site, networks: Networks): AutoUpdater | undefined {
    const a = site.cfg.autoUpdater;
    if (!a.enabled) return undefined;
    return new AutoUpdater("auto-updater", { host: site.host, image: site.cfg.images.watchtower, memoryMb: a.memoryMb, network: networks.core, schedule: a.schedule, scope: a.scope }, site.opts);
}

function buildApps(site: Site, networks: Networks, proxy: Proxy, db: DatabaseSide, logins: RegistryLogins, secrets: AppSecrets): Record<string, App> {
    const { cfg, host } = site;
    const apps: Record<string, App> = {};
    cfg.apps.forEach((app, i) => {
        apps[app.name] = new App(
            app.name,
            {
                host,
                app,
                network: networks.apps[app.name],
                proxy: proxy.container,
                proxyConfig: proxy.config,
                proxyStatusPort: cfg.proxy.statusPort,
                database: appDatabase(site, db, i),
                watchtowerScope: cfg.autoUpdater.scope,
                projectDir: process.cwd(),
                imageSources: logins.logins,
                secrets,
                phased: site.role.phased,
            },
            site.opts,
        );
    });
    return apps;
}

/** The platform's operations: certificates, backups, monitoring, and the one Scheduler that installs their jobs. */
function buildOps(site: Site, networks: Networks, proxy: Proxy, db: DatabaseSide, secrets: PlatformSecrets) {
    const { cfg, host, role, first, opts } = site;
    // Behind the load balancer the certificate is the load balancer's: the servers ask no CA.
    const acme = role.loadBalancer ? { ...cfg.acme, enabled: false } : cfg.acme;
    const certificates = new Certificates(
        "certificates",
        { host, domain: cfg.domain, aliases: cfg.aliases, acme, certbotImage: cfg.images.certbot, proxy: proxy.ready, serverAddress: host.address, atLoadBalancer: !!role.loadBalancer },
        opts,
    );
    const managed = managedClient(site);
    const postgresContainer = !!db.database;
    // The off-site bucket, its keys and the nightly dump belong to the server that makes the dumps.
    const backups = first ? new Backups("backups", { host, config: cfg.backups, postgresContainer, managed }, opts) : undefined;
    const monitoring = new Monitoring(
        "monitoring",
        {
            host,
            config: cfg,
            coreNetwork: networks.core,
            databaseNetwork: networks.database,
            database: db.ready,
            proxyConfig: proxy.config,
            postgresContainer,
            backups: first && cfg.backups.enabled,
            managed,
            alertSecrets: secrets.alertSecrets,
            // Not behind the load balancer: server 1 alone, or still serving the internet (stacks/lb-phase.ts).
            ownCertificate: !role.loadBalancer,
        },
        opts,
    );
    // One scheduler owns the crontab block: every component's jobs go through it.
    const scheduler = new Scheduler(
        "scheduler",
        { host, from: [certificates, backups, db.databaseClient, monitoring, proxy], cron: cfg.target === "scaleway" || cfg.local.cron },
        { parent: opts.parent, dependsOn: [db.ready, proxy.ready] },
    );
    return { certificates, backups, monitoring, scheduler };
}

/** One server's platform. The order components are built in is the order the graph declares them. */
export function buildPlatform(args: PlatformArgs): Platform {
    const site = siteOf(args);
    const { cfg, host, role, opts } = site;
    const logins = new RegistryLogins("registry-login", { host, credentials: args.releases.credentials }, opts);
    // With the managed database backends reach it through the server's private network: no database networks.
    const appsWithDatabase = site.keepContainer ? site.withDatabase : [];
    const networks = new Networks("networks", { apps: cfg.apps.map((a) => a.name), appsWithDatabase, host }, opts);
    const db = databaseSide(site, networks, args.secrets ?? {});
    const proxy = new Proxy("proxy", { host, config: cfg, network: networks.core, loadBalancer: role.loadBalancer, keepData: cfg.target === "scaleway" }, opts);
    const autoUpdater = autoUpdaterOf(site, networks);
    const apps = buildApps(site, networks, proxy, db, logins, args.secrets?.appSecrets ?? {});
    const ops = buildOps(site, networks, proxy, db, args.secrets ?? {});
    return { networks, database: db.database, databaseClient: db.databaseClient, proxy, autoUpdater, apps, ...ops };
}
