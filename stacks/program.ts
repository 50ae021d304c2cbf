// The program behind index.ts, as a function so tests and render can run it under mocks.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../config/load";
import { ConfigError, Problem } from "../config/problem";
import { deployLocal, deployScaleway } from "./targets";
import type { PlatformConfig } from "../config/schema";
import { ImageToPin, pinImages, RegistryCredential } from "../components/registry";
import type { Releases } from "./platform";
import type { OffsiteKeys } from "../components/backups";
import type { AlertSecrets } from "../components/monitoring";

/** Build contexts must be folders of the project holding their Dockerfile. */
function missingBuildContexts(cfg: PlatformConfig, projectDir: string): Problem[] {
    return cfg.apps.flatMap((app, i) =>
        (["frontend", "backend"] as const).flatMap((kind) => {
            const b = app[kind].build;
            if (!b) return [];
            const dockerfile = path.join(projectDir, b.context, b.dockerfile);
            return fs.existsSync(dockerfile) ? [] : [{ field: `apps[${i}].${kind}.build.context`, problem: `has no ${b.dockerfile} (looked for ${dockerfile}); give a folder of this repository with a Dockerfile`, got: b.context }];
        }),
    );
}

/**
 * Secrets live in their own config keys, never in the catalogue. Every missing one is reported at
 * once, with the command that sets it. (Pulumi.yaml's empty defaults do not count as set.)
 */
function missingSecrets(cfg: PlatformConfig, config: pulumi.Config): Problem[] {
    const set = (key: string) => !!config.get(key);
    const problems: Problem[] = [];
    cfg.registries.credentials.forEach((c, i) => {
        if (!set(c.tokenKey))
            problems.push({ field: `registries.credentials[${i}].tokenKey`, problem: `names the secret config key ${c.tokenKey}, which is not set; run: pulumi config set --secret ${c.tokenKey} <token>`, got: c.tokenKey });
    });
    if (cfg.target === "scaleway" && !set("sshPrivateKey") && !process.env.SSH_AUTH_SOCK)
        problems.push({
            field: "sshPrivateKey",
            problem: "is needed on the scaleway target when no ssh-agent holds the deploy key; load it with `ssh-add KEYFILE` (preferred: the Docker provider needs the agent too), or run: pulumi config set --secret sshPrivateKey < KEYFILE",
            got: undefined,
        });
    // The release coordinator reaches every server over SSH from where `pulumi up` runs (the agent's key).
    if (cfg.target === "scaleway" && cfg.server.count > 1 && !process.env.SSH_AUTH_SOCK)
        problems.push({
            field: "server.count",
            problem: "above 1 needs the deploy key in an ssh-agent where `pulumi up` runs: releases roll from there to each server over SSH; load it with `ssh-add KEYFILE`",
            got: cfg.server.count,
        });
    if (cfg.target === "local" && cfg.database.managed.enabled && !set("managedDatabaseAdminPassword"))
        problems.push({ field: "managedDatabaseAdminPassword", problem: "is required with database.managed on the local target (the stand-in's admin password); run: pulumi config set --secret managedDatabaseAdminPassword <password>", got: undefined });
    if (cfg.backups.offsite.enabled)
        for (const k of ["backupAccessKey", "backupSecretKey"])
            if (!set(k)) problems.push({ field: k, problem: `is required when backups.offsite.enabled is true; run: pulumi config set --secret ${k} <value>`, got: undefined });
    return [...problems, ...alertSecretProblems(cfg, config)];
}

/** The alert channels' secrets: set when their channel is on; the URL checked without ever being shown. */
function alertSecretProblems(cfg: PlatformConfig, config: pulumi.Config): Problem[] {
    const a = cfg.monitoring.alerts;
    const problems: Problem[] = [];
    if (a.webhook.enabled) {
        const url = config.get("alertWebhookUrl");
        if (!url) problems.push({ field: "alertWebhookUrl", problem: "is required when monitoring.alerts.webhook.enabled is true; run: pulumi config set --secret alertWebhookUrl https://...", got: undefined });
        else if (!/^https:\/\/[^\s/?#]+[^\s]*$/.test(url))
            problems.push({ field: "alertWebhookUrl", problem: "must be an https:// URL without spaces (the token in it never travels in clear text); set it again with pulumi config set --secret alertWebhookUrl https://...", got: "[secret]" });
    }
    if (a.email.enabled && a.email.username && !config.get("alertSmtpPassword"))
        problems.push({ field: "alertSmtpPassword", problem: "is required when monitoring.alerts.email.username is set; run: pulumi config set --secret alertSmtpPassword <password>", got: undefined });
    return problems;
}

const alertSecrets = (cfg: PlatformConfig, config: pulumi.Config): AlertSecrets => ({
    webhookUrl: cfg.monitoring.alerts.webhook.enabled ? config.requireSecret("alertWebhookUrl") : undefined,
    smtpPassword: cfg.monitoring.alerts.email.enabled && cfg.monitoring.alerts.email.username ? config.requireSecret("alertSmtpPassword") : undefined,
});

const registryCredentials = (cfg: PlatformConfig, config: pulumi.Config): RegistryCredential[] =>
    cfg.registries.credentials.map((c) => ({ server: c.server, username: c.username, token: config.requireSecret(c.tokenKey) }));

const offsiteKeys = (cfg: PlatformConfig, config: pulumi.Config): OffsiteKeys | undefined =>
    cfg.backups.offsite.enabled ? { accessKey: config.requireSecret("backupAccessKey"), secretKey: config.requireSecret("backupSecretKey") } : undefined;

/** Where people open the apps: the domain, or on the local target this machine's HTTPS port. */
export const publicBase = (cfg: PlatformConfig) =>
    cfg.target === "local" ? `https://127.0.0.1${cfg.proxy.httpsPort === 443 ? "" : `:${cfg.proxy.httpsPort}`}` : `https://${cfg.domain}`;

/** A copy of config with each image field (apps[0].backend.image, images.nginx) set to `images`' value. */
export function withImages(cfg: PlatformConfig, images: Record<string, string>): PlatformConfig {
    const copy = structuredClone(cfg);
    for (const [field, image] of Object.entries(images)) {
        const keys = field.split(/\.|\[(\d+)\]\.?/).filter((k) => k !== undefined && k !== "");
        const last = keys.pop()!;
        const holder = keys.reduce<any>((o, k) => o[/^\d+$/.test(k) ? Number(k) : k], copy);
        holder[last] = image;
    }
    return copy;
}

/** Pulumi prints a RunError without a stack trace: one line per problem. */
export class RefusedConfig extends pulumi.RunError {
    constructor(readonly problems: readonly Problem[]) {
        super(new ConfigError(problems).message);
    }
}

/**
 * Every image the platform runs, with the config field it came from: each app service's, and the
 * core images in use (pinned too, so a new nginx or PostgreSQL patch release shows in preview and
 * reaches the server through `pulumi up`, never behind Pulumi's back).
 */
function imagesToPin(cfg: PlatformConfig): ImageToPin[] {
    const apps = cfg.apps.flatMap((app, i) =>
        (["frontend", "backend"] as const).flatMap((kind) => {
            const image = app[kind].image;
            return image ? [{ field: `apps[${i}].${kind}.image`, who: `${app.name} ${kind}`, image }] : [];
        }),
    );
    const core = (field: string, who: string, image: string, used = true) => (used ? [{ field, who, image }] : []);
    return [
        ...apps,
        ...core("images.nginx", "nginx", cfg.images.nginx),
        ...core("images.postgres", "PostgreSQL", cfg.images.postgres),
        ...core("images.watchtower", "Watchtower", cfg.images.watchtower, cfg.autoUpdater.enabled),
        ...core("images.certbot", "certbot", cfg.images.certbot, cfg.acme.enabled),
        ...core("backups.offsite.image", "the off-site uploader", cfg.backups.offsite.image, cfg.backups.enabled && cfg.backups.offsite.enabled),
        ...core("monitoring.prometheus.nginxExporterImage", "the nginx exporter", cfg.monitoring.prometheus.nginxExporterImage, cfg.monitoring.enabled && cfg.monitoring.prometheus.enabled),
        ...core("monitoring.prometheus.postgresExporterImage", "the PostgreSQL exporter", cfg.monitoring.prometheus.postgresExporterImage, cfg.monitoring.enabled && cfg.monitoring.prometheus.enabled),
    ];
}

/**
 * Config is validated and every image's digest looked up before the first resource is declared:
 * bad input or a refused registry fails the run with one line per problem, no stack trace.
 */
export async function program(config = new pulumi.Config()) {
    let cfg: PlatformConfig;
    let releases: Releases;
    let offsite: OffsiteKeys | undefined;
    let alerts: AlertSecrets;
    try {
        cfg = loadConfig(config);
        const missing = [...missingBuildContexts(cfg, process.cwd()), ...missingSecrets(cfg, config)];
        if (missing.length) throw new ConfigError(missing);
        const credentials = registryCredentials(cfg, config);
        const images = cfg.registries.resolveDigests ? await pinImages(imagesToPin(cfg), credentials) : Object.fromEntries(imagesToPin(cfg).map((i) => [i.field, i.image]));
        cfg = withImages(cfg, images);
        releases = { credentials, images };
        offsite = offsiteKeys(cfg, config);
        alerts = alertSecrets(cfg, config);
    } catch (err) {
        if (err instanceof ConfigError) throw new RefusedConfig(err.problems);
        throw err;
    }
    const deployment =
        cfg.target === "scaleway"
            ? deployScaleway(cfg, releases, config.getSecret("sshPrivateKey"), { offsiteKeys: offsite, alertSecrets: alerts })
            : deployLocal(cfg, releases, process.cwd(), { alertSecrets: alerts }, cfg.database.managed.enabled ? config.requireSecret("managedDatabaseAdminPassword") : undefined);
    return {
        address: deployment.address,
        urls: cfg.apps.map((a) => `${publicBase(cfg)}${a.routePrefix ?? `/${a.name}`}/`),
        // What to put in DNS: the first certificate is requested once every name points here.
        dnsRecords: pulumi.output(deployment.address).apply((ip) => [cfg.domain, ...cfg.aliases].map((name) => `${name}. A ${ip}`)),
        // Read by .github/scripts/ssh-access.sh to let a CI runner through for the length of a job.
        sshFirewall: deployment.server && { zone: cfg.server.zone, securityGroupId: deployment.server.securityGroup.id },
    };
}
