// The platform on a given host: networks, database, proxy, auto-updater and every app.
// The same composition serves both targets and every server of several; only the Host and the
// server's role (which server, behind a load balancer, with the managed database) differ.
import * as pulumi from "@pulumi/pulumi";
import { Host } from "../components/host";
import { Networks } from "../components/networks";
import { Database } from "../components/database";
import { Proxy } from "../components/proxy";
import { AutoUpdater } from "../components/auto-updater";
import { App, ManagedConnection } from "../components/app";
import { Backups, OffsiteKeys } from "../components/backups";
import { AlertSecrets, Monitoring } from "../components/monitoring";
import { opsSchedule, productionTargets } from "../render/ops";
import { RegistryCredential, RegistryLogins } from "../components/registry";
import { Certificates } from "../components/certificates";
import { Scheduler } from "../components/scheduler";
import { DatabaseClient } from "../components/database-client";
import type { ManagedDatabaseRefs as ManagedDatabase } from "../components/managed-database";
import { renderNginxConfig } from "../render/nginx/config";
import { productionOptions } from "../render/nginx/options";
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
    readonly loadBalancer?: {
        readonly port: number;
        readonly bindAddress: pulumi.Input<string>;
        readonly trusted: pulumi.Input<string[]>;
        /** Published on another port of the address than nginx listens on (several servers on one machine, in tests). */
        readonly publishedPort?: number;
    };
    /** Scaleway's managed PostgreSQL instead of the container. */
    readonly managed?: ManagedDatabase;
    /** One of several servers: releases are installed here and rolled over the fleet (stacks/rollouts.ts). */
    readonly phased?: boolean;
}

const FIRST_SERVER: ServerRole = { index: 0 };

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

/** The nginx config of this server: behind the load balancer it also has the listener for it. */
function proxyFiles(cfg: PlatformConfig, role: ServerRole) {
    const lb = role.loadBalancer;
    if (!lb) return renderNginxConfig(cfg);
    return pulumi.output(lb.trusted).apply((trusted) => renderNginxConfig(cfg, { ...productionOptions(cfg), loadBalancer: { port: lb.port, trusted } }));
}

export function buildPlatform(cfg: PlatformConfig, host: Host, releases: Releases, parent?: pulumi.Resource, secrets: PlatformSecrets = {}, role: ServerRole = FIRST_SERVER): Platform {
    const opts = { parent };
    const first = role.index === 0;
    // Moving onto the managed database (database.managed.phase): the first server keeps its
    // PostgreSQL container until the move is done, and apps use the instance once switched.
    const phase = role.managed ? cfg.database.managed.phase : undefined;
    const keepContainer = !role.managed || (phase !== "done" && first);
    const appsOnManaged = !!role.managed && phase !== "copying";
    const logins = new RegistryLogins("registry-login", { host, credentials: releases.credentials }, opts);
    const appNames = cfg.apps.map((a) => a.name);
    const withDatabase = cfg.apps.filter((a) => a.database).map((a) => a.name);
    // With the managed database backends reach it through the server's private network: no database networks.
    const networks = new Networks("networks", { apps: appNames, appsWithDatabase: keepContainer ? withDatabase : [], host }, opts);
    const database = !keepContainer
        ? undefined
        : new Database(
              "database",
              {
                  host,
                  image: cfg.images.postgres,
                  memoryMb: cfg.database.memoryMb,
                  network: networks.database,
                  appNetworks: networks.appDatabases,
                  apps: withDatabase,
                  sharedDb: cfg.database.sharedDb,
                  sharedDbGrants: cfg.database.sharedDbGrants,
                  keepData: cfg.target === "scaleway",
              },
              opts,
          );
    const databaseClient = role.managed
        ? new DatabaseClient(
              "database-client",
              {
                  host,
                  caCertificate: role.managed.caCertificate,
                  endpoint: role.managed.endpoint,
                  backup: first && cfg.backups.enabled ? { password: role.managed.backupPassword, sslMode: cfg.database.managed.sslMode, ready: role.managed.backupReady } : undefined,
                  migration: first && phase !== "done" ? migrationLogins(cfg, role.managed) : undefined,
                  sharedDb: cfg.database.sharedDb,
              },
              opts,
          )
        : undefined;
    const databaseReady = database?.ready ?? databaseClient!.ready;
    const onManaged = appsOnManaged ? role.managed : undefined;
    const proxy = new Proxy(
        "proxy",
        {
            host,
            image: cfg.images.nginx,
            memoryMb: cfg.proxy.memoryMb,
            network: networks.core,
            files: proxyFiles(cfg, role),
            domains: [cfg.domain, ...cfg.aliases],
            httpPort: cfg.proxy.httpPort,
            httpsPort: cfg.proxy.httpsPort,
            bindAddress: cfg.proxy.bindAddress,
            loadBalancer: role.loadBalancer && { port: role.loadBalancer.port, bindAddress: role.loadBalancer.bindAddress, publishedPort: role.loadBalancer.publishedPort },
            keepData: cfg.target === "scaleway",
        },
        opts,
    );
    const autoUpdater = cfg.autoUpdater.enabled
        ? new AutoUpdater(
              "auto-updater",
              {
                  host,
                  image: cfg.images.watchtower,
                  memoryMb: cfg.autoUpdater.memoryMb,
                  network: networks.core,
                  schedule: cfg.autoUpdater.schedule,
                  scope: cfg.autoUpdater.scope,
              },
              opts,
          )
        : undefined;
    const apps: Record<string, App> = {};
    cfg.apps.forEach((app, i) => {
        const appDatabase = !app.database
            ? undefined
            : onManaged
              ? { password: onManaged.apps[app.name].password, provisioned: onManaged.apps[app.name].ready, attached: databaseClient!.ready, managed: managedConnection(cfg, onManaged, databaseClient!, i) }
              : { password: database!.appPasswords[app.name], provisioned: database!.appProvisioned[app.name], attached: database!.appAttached[app.name] };
        apps[app.name] = new App(
            app.name,
            {
                host,
                app,
                network: networks.apps[app.name],
                proxy: proxy.container,
                proxyConfig: proxy.config,
                proxyStatusPort: cfg.proxy.statusPort,
                database: appDatabase,
                watchtowerScope: cfg.autoUpdater.scope,
                projectDir: process.cwd(),
                imageSources: logins.logins,
                phased: role.phased,
            },
            opts,
        );
    });
    // Behind the load balancer the certificate is the load balancer's: the servers ask no CA.
    const acme = role.loadBalancer ? { ...cfg.acme, enabled: false } : cfg.acme;
    const certificates = new Certificates(
        "certificates",
        { host, domain: cfg.domain, aliases: cfg.aliases, acme, certbotImage: cfg.images.certbot, proxy: proxy.ready, serverAddress: host.address, atLoadBalancer: !!role.loadBalancer },
        opts,
    );
    // The off-site bucket and its keys belong to the server that makes the dumps.
    const backups = first ? new Backups("backups", { host, config: cfg.backups, offsiteKeys: secrets.offsiteKeys }, opts) : undefined;
    const monitoring = new Monitoring(
        "monitoring",
        {
            host,
            config: cfg.monitoring,
            coreNetwork: networks.core,
            databaseNetwork: networks.database,
            database: databaseReady,
            proxyConfig: proxy.config,
            nginxStatusPort: cfg.proxy.statusPort,
            postgresExporter: !!database,
            alertSecrets: secrets.alertSecrets,
        },
        opts,
    );
    // One scheduler owns the crontab block: every component's jobs go through it.
    const databases = [...withDatabase.map(databaseName), ...(cfg.database.sharedDb ? [SHARED_DATABASE] : [])];
    const managedClient = onManaged ? { image: cfg.images.postgres, databases } : undefined;
    const migration =
        role.managed && first && phase !== "done"
            ? { image: cfg.images.postgres, apps: withDatabase, sharedDb: cfg.database.sharedDb, sharedDbGrants: cfg.database.sharedDbGrants, sslMode: cfg.database.managed.sslMode }
            : undefined;
    const ops = opsSchedule(cfg, productionTargets(host.root), { runsBackups: first, managed: managedClient, postgresContainer: !!database, migration });
    const scheduler = new Scheduler(
        "scheduler",
        { host, jobs: [...certificates.jobs, ...ops.jobs], commands: ops.commands, cron: cfg.target === "scaleway" || cfg.local.cron },
        { parent, dependsOn: [databaseReady, proxy.ready] },
    );
    return { networks, database, databaseClient, proxy, autoUpdater, apps, certificates, backups, monitoring, scheduler };
}
