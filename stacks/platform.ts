// The platform on a given host: networks, database, proxy, auto-updater and every app.
// The same composition serves both targets; only the Host differs.
import * as pulumi from "@pulumi/pulumi";
import { Host } from "../components/host";
import { Networks } from "../components/networks";
import { Database } from "../components/database";
import { Proxy } from "../components/proxy";
import { AutoUpdater } from "../components/auto-updater";
import { App } from "../components/app";
import { Backups, OffsiteKeys } from "../components/backups";
import { AlertSecrets, Monitoring } from "../components/monitoring";
import { opsSchedule, productionTargets } from "../render/ops";
import { RegistryCredential, RegistryLogins } from "../components/registry";
import { Certificates } from "../components/certificates";
import { Scheduler } from "../components/scheduler";
import { renderNginxConfig } from "../render/nginx/config";
import type { PlatformConfig } from "../config/schema";

export interface Platform {
    readonly networks: Networks;
    readonly database: Database;
    readonly proxy: Proxy;
    readonly autoUpdater?: AutoUpdater;
    readonly apps: Record<string, App>;
    readonly certificates: Certificates;
    readonly backups: Backups;
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

export function buildPlatform(cfg: PlatformConfig, host: Host, releases: Releases, parent?: pulumi.Resource, secrets: PlatformSecrets = {}): Platform {
    const opts = { parent };
    const logins = new RegistryLogins("registry-login", { host, credentials: releases.credentials }, opts);
    const appNames = cfg.apps.map((a) => a.name);
    const withDatabase = cfg.apps.filter((a) => a.database).map((a) => a.name);
    const networks = new Networks("networks", { apps: appNames, appsWithDatabase: withDatabase, provider: host.docker }, opts);
    const database = new Database(
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
    const proxy = new Proxy(
        "proxy",
        {
            host,
            image: cfg.images.nginx,
            memoryMb: cfg.proxy.memoryMb,
            network: networks.core,
            files: renderNginxConfig(cfg),
            domains: [cfg.domain, ...cfg.aliases],
            httpPort: cfg.proxy.httpPort,
            httpsPort: cfg.proxy.httpsPort,
            bindAddress: cfg.proxy.bindAddress,
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
    for (const app of cfg.apps) {
        apps[app.name] = new App(
            app.name,
            {
                host,
                app,
                network: networks.apps[app.name],
                proxy: proxy.container,
                proxyConfig: proxy.config,
                proxyStatusPort: cfg.proxy.statusPort,
                database: app.database
                    ? { password: database.appPasswords[app.name], provisioned: database.appProvisioned[app.name], attached: database.appAttached[app.name] }
                    : undefined,
                watchtowerScope: cfg.autoUpdater.scope,
                projectDir: process.cwd(),
                imageSources: logins.logins,
            },
            opts,
        );
    }
    const certificates = new Certificates(
        "certificates",
        { host, domain: cfg.domain, aliases: cfg.aliases, acme: cfg.acme, certbotImage: cfg.images.certbot, proxy: proxy.ready, serverAddress: host.address },
        opts,
    );
    const backups = new Backups("backups", { host, config: cfg.backups, offsiteKeys: secrets.offsiteKeys }, opts);
    const monitoring = new Monitoring(
        "monitoring",
        {
            host,
            config: cfg.monitoring,
            coreNetwork: networks.core,
            databaseNetwork: networks.database,
            database: database.ready,
            proxyConfig: proxy.config,
            nginxStatusPort: cfg.proxy.statusPort,
            alertSecrets: secrets.alertSecrets,
        },
        opts,
    );
    // One scheduler owns the crontab block: every component's jobs go through it.
    const ops = opsSchedule(cfg, productionTargets(host.root));
    const scheduler = new Scheduler(
        "scheduler",
        { host, jobs: [...certificates.jobs, ...ops.jobs], commands: ops.commands, cron: cfg.target === "scaleway" || cfg.local.cron },
        { parent, dependsOn: [database.ready, proxy.ready] },
    );
    return { networks, database, proxy, autoUpdater, apps, certificates, backups, monitoring, scheduler };
}
