// Rules that look across fields: what a schema of single fields cannot say.
import { configSchema, PlatformConfig } from "./schema";
import { Problem } from "./problem";
import { appNames, databaseName, PITR_BUCKET_SUFFIX, pitrBucketOf } from "./naming";
import { bucketNameProblem } from "./bucket-name";
import { adminCidrProblem, isCidr } from "./admin-cidrs";
import { roleNameProblem } from "./postgres-names";
import { MAX_CERTIFICATE_NAMES, platformEnvProblem } from "./field-checks";
import { KEYGEN_HINT } from "./ssh-key";
import { multiServerProblems } from "./multi-server-rules";
import { exposureProblems } from "./exposure-rules";
import { PLATFORM_SECRETS } from "./secrets";
import { ntfyTopicProblem } from "./ntfy-topic";
import { publishedPortProblem } from "./host-ports";
import { derivedNameProblems } from "./derived-names";
import { envSecretProblems } from "./secret-env-rules";
import { HOLDER_MEMORY_MB, POOLER_MEMORY_MB } from "./core-memory";

export { isCidr, PLATFORM_SECRETS };

// Paths nginx answers itself or keeps for the platform: no app may claim them.
export const RESERVED_PREFIXES = ["/api", "/health", "/.well-known", "/nginx_status", "/status", "/metrics"];
// Names whose derived container, network or database names would collide with core ones.
export const RESERVED_NAMES = ["api", "health", "mhylle", "nginx", "postgres", "watchtower", "certbot", "shared", "template0", "template1", "status", "metrics"];

const isPrefixOf = (a: string, b: string) => a === b || b.startsWith(a + "/");

type Add = (field: string, problem: string, got: unknown) => void;

function appProblems(cfg: PlatformConfig, add: Add) {
    const seen = new Map<string, number>();
    const prefixes: { field: string; prefix: string }[] = [];
    cfg.apps.forEach((app, i) => {
        const at = `apps[${i}]`;
        if (seen.has(app.name)) add(`${at}.name`, `duplicates apps[${seen.get(app.name)}].name; give each app its own name`, app.name);
        else seen.set(app.name, i);
        if (RESERVED_NAMES.includes(app.name)) add(`${at}.name`, `is reserved for the platform (${RESERVED_NAMES.join(", ")}); choose another name`, app.name);
        if (app.name.length > 24) add(`${at}.name`, "is longer than 24 characters; container and database names derive from it", app.name);
        if (databaseName(app.name).length > 63) add(`${at}.name`, "makes a database name longer than PostgreSQL's 63 bytes", app.name);
        const role = roleNameProblem(app.name);
        if (role) add(`${at}.name`, role, app.name);

        const prefix = app.routePrefix ?? `/${app.name}`;
        const prefixField = app.routePrefix ? `${at}.routePrefix` : `${at}.name`;
        const reserved = RESERVED_PREFIXES.find((r) => isPrefixOf(r, prefix) || isPrefixOf(prefix, r));
        if (reserved) add(prefixField, `route prefix ${prefix} overlaps the reserved path ${reserved}; pick another prefix`, prefix);
        for (const other of prefixes) {
            if (prefix === other.prefix) add(prefixField, `route prefix ${prefix} is already used by ${other.field}; prefixes must be unique`, prefix);
            else if (isPrefixOf(prefix, other.prefix) || isPrefixOf(other.prefix, prefix))
                add(prefixField, `route prefix ${prefix} nests with ${other.prefix} of ${other.field}; prefixes must not contain each other`, prefix);
        }
        prefixes.push({ field: prefixField, prefix });

        for (const service of ["frontend", "backend"] as const) {
            for (const [key, value] of Object.entries(app[service].env)) {
                if (/[\n\r\0]/.test(value)) add(`${at}.${service}.env.${key}`, "holds a line break or NUL, which an env file cannot carry", value);
                const reservedKey = platformEnvProblem(key);
                if (reservedKey) add(`${at}.${service}.env.${key}`, reservedKey, key);
            }
        }
        if (app.watchtower && app.backend.image?.includes("@sha256:"))
            add(`${at}.watchtower`, "has no effect on an image pinned by digest; pin a tag or turn watchtower off", app.backend.image);
        for (const service of ["frontend", "backend"] as const) {
            const svc = app[service];
            if (svc.image && svc.build) add(`${at}.${service}.build`, "is set together with image; keep one: a registry image, or a build from source", svc.build.context);
            if (!svc.image && !svc.build) add(`${at}.${service}.image`, "is required (an image with a tag or digest, or build: a folder with a Dockerfile on the local target)", undefined);
            if (svc.build && cfg.target !== "local") add(`${at}.${service}.build`, "builds from source only on the local target; push the image to a registry and set image instead", svc.build.context);
            if (svc.build && app.watchtower) add(`${at}.watchtower`, "cannot update an image built from source; turn watchtower off", true);
        }
    });
}

function databaseProblems(cfg: PlatformConfig, add: Add) {
    const names = appNames(cfg);
    cfg.database.sharedDbGrants.forEach((grant, i) => {
        if (!names.includes(grant)) add(`database.sharedDbGrants[${i}]`, `names no app; use one of: ${names.join(", ") || "(no apps)"}`, grant);
        else if (!cfg.apps.find((a) => a.name === grant)?.database) add(`database.sharedDbGrants[${i}]`, "names an app without a database role; set its database: true", grant);
    });
    if (cfg.database.sharedDbGrants.length && !cfg.database.sharedDb) add("database.sharedDbGrants", "has grants but database.sharedDb is false", cfg.database.sharedDbGrants);
}

function domainProblems(cfg: PlatformConfig, add: Add) {
    const seenDomains = new Set([cfg.domain]);
    cfg.aliases.forEach((alias, i) => {
        if (seenDomains.has(alias)) add(`aliases[${i}]`, "repeats a domain already configured", alias);
        seenDomains.add(alias);
    });
    if (cfg.aliases.length + 1 > MAX_CERTIFICATE_NAMES)
        add("aliases", `makes ${cfg.aliases.length + 1} names with the domain; one certificate holds at most ${MAX_CERTIFICATE_NAMES}: drop some`, `${cfg.aliases.length} aliases`);
}

/** SSH access and the deploy key: only on the scaleway target do they reach a firewall and a server. */
function serverProblems(cfg: PlatformConfig, add: Add) {
    const s = cfg.server;
    s.adminCidrs.forEach((cidr, i) => {
        if (cfg.target !== "scaleway") {
            if (!isCidr(cidr)) add(`server.adminCidrs[${i}]`, "must be a CIDR (ADDRESS/BITS)", cidr);
            return;
        }
        const problem = adminCidrProblem(cidr, s.sshOpenToInternet);
        if (problem) add(`server.adminCidrs[${i}]`, problem, cidr);
    });
    if (cfg.target !== "scaleway") return;
    if (!s.adminCidrs.length)
        add("server.adminCidrs", `is empty: nobody could reach SSH; add your public address as a /32: pulumi config set --path 'server.adminCidrs[0]' "$(curl -s https://api.ipify.org)/32"`, s.adminCidrs);
    if (!s.sshPublicKey)
        add("server.sshPublicKey", `is required on the scaleway target: the deploy user logs in with it; ${KEYGEN_HINT}: pulumi config set --path server.sshPublicKey "$(cat ~/.ssh/mhylle_deploy.pub)"`, undefined);
    if (cfg.domain === "localhost.localdomain") add("domain", "must be your real domain on the scaleway target", cfg.domain);
}

/**
 * A registry token key names a secret of its own: not one the platform reads for itself (the SSH
 * key would go to a registry and to `docker login`), not a config field, not another login's.
 */
function registryProblems(cfg: PlatformConfig, add: Add) {
    const servers = new Set<string>();
    const taken = new Map<string, string>([
        ...PLATFORM_SECRETS.map((k): [string, string] => [k.toLowerCase(), `the platform's secret ${k}`]),
        ...Object.keys(configSchema.shape).map((k): [string, string] => [k.toLowerCase(), `the config field ${k}`]),
    ]);
    cfg.registries.credentials.forEach((c, i) => {
        const at = `registries.credentials[${i}]`;
        if (servers.has(c.server)) add(`${at}.server`, "has a login already; one per registry", c.server);
        servers.add(c.server);
        const owner = taken.get(c.tokenKey.toLowerCase());
        const base = c.server.split(/[.:]/)[0].replace(/[^a-z0-9]/g, "");
        const own = `${/^[a-z]/.test(base) ? base : "registry"}Token${i ? i + 1 : ""}`;
        if (owner) add(`${at}.tokenKey`, `names ${owner}; a registry token needs a secret key of its own: pulumi config set --secret ${own} <token>, and tokenKey: ${own}`, c.tokenKey);
        else taken.set(c.tokenKey.toLowerCase(), `the token of ${at}`);
    });
}

function opsProblems(cfg: PlatformConfig, add: Add) {
    const b = cfg.backups;
    if (b.keepDaily + b.keepWeekly === 0) add("backups.keepDaily", "and backups.keepWeekly are both 0: every backup would be deleted; keep at least 1", b.keepDaily);
    if (b.offsite.enabled) {
        if (!b.enabled) add("backups.offsite.enabled", "is true but backups.enabled is false: there is nothing to copy off-site", b.offsite.enabled);
        if (!b.offsite.bucket) add("backups.offsite.bucket", "is required when backups.offsite.enabled is true (e.g. mhylle-backups)", undefined);
        if (!b.offsite.recipient)
            add("backups.offsite.recipient", "is required when backups.offsite.enabled is true: the copies are encrypted to it; run age-keygen and set the public key it prints (docs/runbooks/restore-a-database.md)", undefined);
        if (cfg.target !== "scaleway") add("backups.offsite.enabled", "needs target scaleway: the bucket is created in your Scaleway project", cfg.target);
        const localDays = Math.max(b.keepDaily, b.keepWeekly * 7);
        if (b.offsite.expireDays < localDays)
            add("backups.offsite.expireDays", `expires off-site copies before local retention does (${localDays} days); set at least ${localDays}`, b.offsite.expireDays);
    }
    // pgBackRest archives the PostgreSQL container's WAL; the managed instance keeps its own backups.
    if (b.pitr.enabled && cfg.database.managed.enabled && cfg.database.managed.phase === "done")
        add("backups.pitr.enabled", "is true but the apps use the managed database and no PostgreSQL container runs; turn it off (the instance has its own backups: README, Backups)", b.pitr.enabled);
    // With the bucket, pgBackRest's repo2 is a bucket of its own named from the dumps' (components/pitr-store.ts).
    if (b.pitr.enabled && b.offsite.enabled && b.offsite.bucket) {
        const name = pitrBucketOf(b.offsite.bucket);
        const problem = bucketNameProblem(name);
        if (problem) add("backups.offsite.bucket", `names pgBackRest's bucket too (${name}, for backups.pitr), and that name ${problem}; a name of at most ${63 - PITR_BUCKET_SUFFIX.length} characters leaves room`, b.offsite.bucket);
    }
    const m = cfg.monitoring;
    if (m.certFailDays >= m.certWarnDays) add("monitoring.certFailDays", `must be below monitoring.certWarnDays (${m.certWarnDays}) so a certificate turns amber before red`, m.certFailDays);
    if (m.prometheus.enabled && !m.enabled) add("monitoring.prometheus.enabled", "is true but monitoring.enabled is false; enable monitoring or turn the exporters off", m.prometheus.enabled);
    alertProblems(cfg, add);
}

/** Alert channels: complete when enabled, and sent by a status job that runs. */
function alertProblems(cfg: PlatformConfig, add: Add) {
    const a = cfg.monitoring.alerts;
    const at = "monitoring.alerts";
    for (const channel of ["webhook", "email"] as const)
        if (a[channel].enabled && !cfg.monitoring.enabled) add(`${at}.${channel}.enabled`, "is true but monitoring.enabled is false: the status job sends the alerts; enable monitoring or turn the channel off", true);
    if (a.webhook.format === "ntfy" && !a.webhook.topic) add(`${at}.webhook.topic`, "is required with format ntfy (the topic to publish to, with a random part: alerts-$(openssl rand -hex 16))", undefined);
    const guessable = a.webhook.format === "ntfy" && a.webhook.topic ? ntfyTopicProblem(a.webhook.topic) : undefined;
    if (guessable) add(`${at}.webhook.topic`, guessable, a.webhook.topic);
    if (a.webhook.topic && a.webhook.format !== "ntfy") add(`${at}.webhook.topic`, `is only used with format ntfy; remove it or set format: ntfy`, a.webhook.topic);
    const e = a.email;
    if (e.enabled) {
        if (!e.host) add(`${at}.email.host`, "is required when email alerts are enabled (your SMTP relay, e.g. smtp.example.com)", undefined);
        if (!e.from) add(`${at}.email.from`, "is required when email alerts are enabled (the sender address the relay accepts)", undefined);
        if (!e.to.length) add(`${at}.email.to`, "is empty: nobody would get the alerts; add at least one address", e.to);
    }
    if (e.port === 465 && e.security === "starttls") add(`${at}.email.security`, "is starttls but port 465 is SMTP over TLS from the first byte; set security: tls (or port 587 for STARTTLS)", e.security);
    if (a.heartbeat && !a.webhook.enabled && !e.enabled) add(`${at}.heartbeat`, "is true but no channel is enabled (monitoring.alerts.webhook or .email); nobody would hear it", true);
}

/** Every cross-field problem of an already shape-checked config. */
export function crossFieldProblems(cfg: PlatformConfig): Problem[] {
    const problems: Problem[] = [];
    const add: Add = (field, problem, got) => problems.push({ field, problem, got });
    appProblems(cfg, add);
    derivedNameProblems(cfg, add);
    envSecretProblems(cfg, add);
    databaseProblems(cfg, add);
    domainProblems(cfg, add);
    serverProblems(cfg, add);
    if (cfg.acme.enabled && !cfg.acme.email) add("acme.email", "is required when acme.enabled is true (Let's Encrypt sends expiry notices there)", undefined);
    if (!["production", "staging"].includes(cfg.acme.directory) && !/^https:\/\/[^\s"'\\]+$/.test(cfg.acme.directory))
        add("acme.directory", 'must be "production", "staging" or an https:// ACME directory URL', cfg.acme.directory);
    if ([80, 443].includes(cfg.proxy.statusPort)) add("proxy.statusPort", "collides with nginx's own 80/443 inside the container; pick another port such as 8081", cfg.proxy.statusPort);
    if (cfg.proxy.httpPort === cfg.proxy.httpsPort) add("proxy.httpsPort", "equals proxy.httpPort; nginx needs two ports", cfg.proxy.httpsPort);
    for (const key of ["httpPort", "httpsPort"] as const) {
        const taken = publishedPortProblem(cfg.proxy[key]);
        if (taken) add(`proxy.${key}`, taken, cfg.proxy[key]);
    }
    registryProblems(cfg, add);
    opsProblems(cfg, add);
    multiServerProblems(cfg, add);
    exposureProblems(cfg, add);

    const budget = memoryBudget(cfg);
    if (budget.neededMb > budget.availableMb)
        add(
            "apps",
            `memory limits need ${budget.neededMb} MiB (core ${budget.coreMb} + apps ${budget.appsMb} + ${budget.releaseMb} for a release's or nginx's second container) but the server has ${budget.availableMb} MiB after server.reservedMb; lower memoryMb or use a larger server.type`,
            `${budget.neededMb} MiB`,
        );
    return problems;
}

/**
 * Memory the platform's limits add up to, counting the largest container twice: a release's
 * second container, or the second nginx server of an nginx image change (create before delete).
 */
export function memoryBudget(cfg: PlatformConfig) {
    // The PostgreSQL exporter runs only beside the PostgreSQL container.
    const exporters = cfg.database.managed.enabled ? 1 : 2;
    const exportersMb = cfg.monitoring.enabled && cfg.monitoring.prometheus.enabled ? exporters * cfg.monitoring.prometheus.memoryMb : 0;
    // With the managed database no PostgreSQL container, and so no pooler, runs on the server.
    const databaseMb = cfg.database.managed.enabled ? 0 : cfg.database.memoryMb + POOLER_MEMORY_MB;
    const coreMb = cfg.proxy.memoryMb + HOLDER_MEMORY_MB + databaseMb + (cfg.autoUpdater.enabled ? cfg.autoUpdater.memoryMb : 0) + exportersMb;
    const services = cfg.apps.flatMap((a) => [a.frontend.memoryMb, a.backend.memoryMb]);
    const appsMb = services.reduce((a, b) => a + b, 0);
    const releaseMb = Math.max(cfg.proxy.memoryMb, ...services);
    const availableMb = cfg.server.memoryMb - cfg.server.reservedMb;
    return { coreMb, appsMb, releaseMb, neededMb: coreMb + appsMb + releaseMb, availableMb };
}
