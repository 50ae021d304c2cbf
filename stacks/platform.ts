// The platform on a given host: networks, database, proxy, auto-updater and every app.
// The same composition serves both targets and every server of several; only the Host and the
// server's role (which server, behind a load balancer, with the managed database) differ.
import * as pulumi from "@pulumi/pulumi";
import { Host } from "../components/host";
import { Networks } from "../components/networks";
import { Database } from "../components/database";
import { Proxy, ProxyBehindLoadBalancer } from "../components/proxy";
import { AutoUpdater } from "../components/auto-updater";
import { App, ManagedConnection } from "../components/app";
import { Backups, OffsiteKeys } from "../components/backups";
import { AlertSecrets, Monitoring } from "../components/monitoring";
import { RegistryCredential, RegistryLogins } from "../components/registry";
import type { ManagedClient } from "../render/backup/managed-client";
import { Certificates } from "../components/certificates";
import { Scheduler } from "../components/scheduler";
import { DatabaseClient } from "../components/database-client";
import type { ManagedDatabaseRefs as ManagedDatabase } from "../components/managed-database";
import { SHARED_DATABASE, databaseName } from "../config/naming";
import type { PlatformConfig } from "../config/schema";

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

/** Secrets the platform needs beyond stack config's plain values. */
export interface PlatformSecrets {
    /** Keys for the off-site backup copy (backups.offsite.enabled). */
    readonly offsiteKeys?: OffsiteKeys;
    /** The alert channels' secrets (monitoring.alerts). */
    readonly alertSecrets?: AlertSecrets;
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

const FIRST_SERVER: ServerRole = { index: 0 };

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

/** What every part of one server's build reads: config, host, role, and where its database is. */
interface Site {
    readonly cfg: PlatformConfig;
    readonly host: Host;
    readonly role: ServerRole;
    readonly opts: pulumi.ComponentResourceOptions;
    /** The first server: it runs the fleet's jobs (the nightly dump, the move onto the managed database). */
    readonly first: boolean;
    /** database.managed.phase, with the managed database. */
    readonly phase?: PlatformConfig["database"]["managed"]["phase"];
    /** The PostgreSQL container runs here. */
    readonly keepContainer: boolean;
    /** The managed database, once apps use it. */
    readonly onManaged?: ManagedDatabase;
    /** Apps with a database. */
    readonly withDatabase: readonly string[];
}

/**
 * Moving onto the managed database (database.managed.phase): the first server keeps its PostgreSQL
 * container until the move is done, and apps use the instance once switched.
 */
function siteOf(args: PlatformArgs): Site {
    const { cfg, host } = args;
    const role = args.role ?? FIRST_SERVER;
    const first = role.index === 0;
    const phase = role.managed ? cfg.database.managed.phase : undefined;
    return {
        cfg,
        host,
        role,
        opts: { parent: args.parent },
        first,
        phase,
        keepContainer: !role.managed || (phase !== "done" && first),
        onManaged: role.managed && phase !== "copying" ? role.managed : undefined,
        withDatabase: cfg.apps.filter((a) => a.database).map((a) => a.name),
    };
}

/** The apps' databases: the PostgreSQL container, or this server's client of the managed database, or both during the move. */
interface DatabaseSide {
    readonly database?: Database;
    readonly databaseClient?: DatabaseClient;
    /** PostgreSQL accepts connections, or the client's certificate (and logins) are on the server. */
    readonly ready: pulumi.Resource;
}

function postgresContainer(site: Site, networks: Networks): Database {
    const { cfg, host } = site;
    return new Database(
        "database",
        {
            host,
            image: cfg.images.postgres,
            memoryMb: cfg.database.memoryMb,
            network: networks.database,
            appNetworks: networks.appDatabases,
            apps: site.withDatabase,
            sharedDb: cfg.database.sharedDb,
            sharedDbGrants: cfg.database.sharedDbGrants,
            keepData: cfg.target === "scaleway",
        },
        site.opts,
    );
}

function managedDatabaseClient(site: Site, managed: ManagedDatabase): DatabaseClient {
    const { cfg, first, phase } = site;
    const m = cfg.database.managed;
    const migrating = first && phase !== "done";
    const command = { image: cfg.images.postgres, apps: site.withDatabase, sharedDb: cfg.database.sharedDb, sharedDbGrants: cfg.database.sharedDbGrants, sslMode: m.sslMode };
    return new DatabaseClient(
        "database-client",
        {
            host: site.host,
            caCertificate: managed.caCertificate,
            endpoint: managed.endpoint,
            backup: first && cfg.backups.enabled ? { password: managed.backupPassword, sslMode: m.sslMode, ready: managed.backupReady } : undefined,
            migration: migrating ? { ...migrationLogins(cfg, managed), command } : undefined,
            sharedDb: cfg.database.sharedDb,
        },
        site.opts,
    );
}

function databaseSide(site: Site, networks: Networks): DatabaseSide {
    const database = site.keepContainer ? postgresContainer(site, networks) : undefined;
    const databaseClient = site.role.managed ? managedDatabaseClient(site, site.role.managed) : undefined;
    return { database, databaseClient, ready: database?.ready ?? databaseClient!.ready };
}

function autoUpdaterOf(site: Site, networks: Networks): AutoUpdater | undefined {
    const a = site.cfg.autoUpdater;
    if (!a.enabled) return undefined;
    return new AutoUpdater("auto-updater", { host: site.host, image: site.cfg.images.watchtower, memoryMb: a.memoryMb, network: networks.core, schedule: a.schedule, scope: a.scope }, site.opts);
}

/** Each app's database: its login on the managed database once apps use it, else its role in the container. */
function appDatabase(site: Site, db: DatabaseSide, appIndex: number) {
    const app = site.cfg.apps[appIndex];
    if (!app.database) return undefined;
    const managed = site.onManaged;
    if (!managed) return { password: db.database!.appPasswords[app.name], provisioned: db.database!.appProvisioned[app.name], attached: db.database!.appAttached[app.name] };
    const login = managed.apps[app.name];
    return { password: login.password, provisioned: login.ready, attached: db.databaseClient!.ready, managed: managedConnection(site.cfg, managed, db.databaseClient!, appIndex) };
}

function buildApps(site: Site, networks: Networks, proxy: Proxy, db: DatabaseSide, logins: RegistryLogins): Record<string, App> {
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
    const backups = first ? new Backups("backups", { host, config: cfg.backups, offsiteKeys: secrets.offsiteKeys, postgresContainer, managed }, opts) : undefined;
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
        },
        opts,
    );
    // One scheduler owns the crontab block: every component's jobs go through it.
    const scheduler = new Scheduler(
        "scheduler",
        { host, from: [certificates, backups, db.databaseClient, monitoring], cron: cfg.target === "scaleway" || cfg.local.cron },
        { parent: opts.parent, dependsOn: [db.ready, proxy.ready] },
    );
    return { certificates, backups, monitoring, scheduler };
}

/** The managed database's client settings for the dump and the status report, once apps use it. */
function managedClient(site: Site): ManagedClient | undefined {
    if (!site.onManaged) return undefined;
    const databases = [...site.withDatabase.map(databaseName), ...(site.cfg.database.sharedDb ? [SHARED_DATABASE] : [])];
    return { image: site.cfg.images.postgres, databases };
}

/** Each app's connection to the managed database, through this server's copy of its certificate. */
function managedConnection(cfg: PlatformConfig, managed: ManagedDatabase, client: DatabaseClient, appIndex: number): ManagedConnection {
    const app = cfg.apps[appIndex];
    const m = managed.apps[app.name];
    const replicas = managed.readEndpoints;
    return {
        user: m.user,
        database: m.database,
        endpoint: managed.endpoint,
        // Apps that read from a replica are spread over the replicas.
        readEndpoint: app.readReplica && replicas.length ? replicas[appIndex % replicas.length] : undefined,
        sslMode: cfg.database.managed.sslMode,
        caFile: client.caFile,
    };
}

/** The logins the move onto the managed database restores with: each app's own, and the admin's (shared_db). */
function migrationLogins(cfg: PlatformConfig, managed: ManagedDatabase) {
    return { admin: managed.admin, apps: cfg.apps.filter((a) => a.database).map((a) => ({ database: managed.apps[a.name].database, user: managed.apps[a.name].user, password: managed.apps[a.name].password })) };
}

export function buildPlatform(args: PlatformArgs): Platform {
    const site = siteOf(args);
    const { cfg, host, role, opts } = site;
    const logins = new RegistryLogins("registry-login", { host, credentials: args.releases.credentials }, opts);
    // With the managed database backends reach it through the server's private network: no database networks.
    const appsWithDatabase = site.keepContainer ? site.withDatabase : [];
    const networks = new Networks("networks", { apps: cfg.apps.map((a) => a.name), appsWithDatabase, host }, opts);
    const db = databaseSide(site, networks);
    const proxy = new Proxy("proxy", { host, config: cfg, network: networks.core, loadBalancer: role.loadBalancer, keepData: cfg.target === "scaleway" }, opts);
    const autoUpdater = autoUpdaterOf(site, networks);
    const apps = buildApps(site, networks, proxy, db, logins);
    const ops = buildOps(site, networks, proxy, db, args.secrets ?? {});
    return { networks, database: db.database, databaseClient: db.databaseClient, proxy, autoUpdater, apps, ...ops };
}
