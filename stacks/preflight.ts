// Pre-flight: everything checked and looked up before the first resource is declared. Stack
// config validated, every missing build context and secret reported at once, and each image pinned
// to its registry's current digest (so a pull request's preview shows which apps would be released,
// and a bad credential fails before any change).
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../config/load";
import { ageRecipientOf } from "../config/age-key";
import { setSecretCommand } from "../config/secrets";
import { HeldImages, heldCandidate, holdImages, holdsImages } from "./held-images";
import { ConfigError, Problem } from "../config/problem";
import { registryOf } from "../config/naming";
import { webhookUrlProblem } from "../config/outbound-address";
import { hostSshRuleProblems } from "./host-ssh-rule";
import type { PlatformConfig } from "../config/schema";
import type { RegistryCredential } from "../components/registry";
import type { AlertSecrets } from "../components/monitoring";
import type { AppSecrets, Releases } from "./platform";
import { secretEnvKeys } from "../config/secret-env-rules";
import { DigestLookupError, LookupCredential, lookUpDigest, sameRegistry } from "./registry-digest";

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

const oneLine = (v: string) => !/[\r\n\0]/.test(v) && v === v.trim();

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
    if (cfg.target === "local" && cfg.database.managed.enabled && !set("managedDatabaseAdminPassword"))
        problems.push({ field: "managedDatabaseAdminPassword", problem: "is required with database.managed on the local target (the stand-in's admin password); run: pulumi config set --secret managedDatabaseAdminPassword <password>", got: undefined });
    if (cfg.backups.offsite.enabled) problems.push(...identityProblems(cfg, config));
    cfg.apps.forEach((app, i) =>
        (["frontend", "backend"] as const).forEach((kind) => {
            for (const [name, key] of Object.entries(app[kind].secretEnv))
                if (!set(key)) problems.push({ field: `apps[${i}].${kind}.secretEnv.${name}`, problem: `names the secret config key ${key}, which is not set; run: pulumi config set --secret ${key} <value>`, got: key });
                else if (/[\n\r\0]/.test(config.get(key)!)) problems.push({ field: key, problem: "holds a line break or NUL, which an env file cannot carry (the rest would become variables of its own); set it again on one line", got: "[secret]" });
        }),
    );
    if (cfg.backups.pitr.enabled && !set("backupCipherPass"))
        problems.push({ field: "backupCipherPass", problem: "is required when backups.pitr.enabled is true (it encrypts the pgBackRest repositories); run: pulumi config set --secret backupCipherPass <long random passphrase>", got: undefined });
    // One pgbackrest.conf line: a line break would add options, and pgBackRest trims spaces, so the
    // repositories would be encrypted with another passphrase than the one kept.
    else if (cfg.backups.pitr.enabled && !oneLine(config.get("backupCipherPass")!))
        problems.push({ field: "backupCipherPass", problem: "must be one line without leading or trailing spaces (it is a line of pgbackrest.conf); set it again: pulumi config set --secret backupCipherPass <long random passphrase>", got: "[secret]" });
    return [...problems, ...alertSecretProblems(cfg, config)];
}

/**
 * The off-site copies are encrypted to backups.offsite.recipient; its identity must be the secret
 * backupIdentity, or the copies would be ones no one here can decrypt. The identity itself is never
 * sent anywhere: only its recipient is compared, and no value is echoed.
 */
function identityProblems(cfg: PlatformConfig, config: pulumi.Config): Problem[] {
    const identity = config.get("backupIdentity");
    if (!identity) return [{ field: "backupIdentity", problem: `is required when backups.offsite.enabled is true: the age identity that decrypts the copies; run: ${setSecretCommand("backupIdentity")}`, got: undefined }];
    const recipient = ageRecipientOf(identity);
    if (!recipient) return [{ field: "backupIdentity", problem: "is not an age identity (a line AGE-SECRET-KEY-1..., as age-keygen writes it)", got: undefined }];
    if (recipient !== cfg.backups.offsite.recipient)
        return [{ field: "backups.offsite.recipient", problem: `is not the recipient of the secret backupIdentity, which is ${recipient}: set that, or the identity of this recipient`, got: cfg.backups.offsite.recipient }];
    return [];
}

/**
 * What `ssh-add -L` says where `pulumi up` runs: the agent's socket (SSH_AUTH_SOCK) and the command's
 * exit status and output (status 1: an agent without keys; 2: none reachable; -1: no ssh-add).
 */
export interface SshAgentView {
    readonly socket: string | undefined;
    listKeys(): { readonly status: number; readonly stdout: string };
}

/** This machine's agent, asked through the system's `ssh-add -L`. */
export const systemSshAgent: SshAgentView = {
    get socket() {
        return process.env.SSH_AUTH_SOCK;
    },
    listKeys() {
        const r = spawnSync("ssh-add", ["-L"], { encoding: "utf8", timeout: 10_000 });
        return { status: r.error ? -1 : (r.status ?? -1), stdout: r.stdout ?? "" };
    },
};

let sshAgent: SshAgentView | undefined = systemSshAgent;

/**
 * The agent preflight asks, or `undefined` to skip the check: tools/record.ts skips it (mocks and
 * render run without the deploy key); a test gives a fake `ssh-add -L` here.
 */
export function useSshAgent(agent: SshAgentView | undefined): void {
    sshAgent = agent;
}

/** "type base64" of an OpenSSH public key line, its comment dropped. */
const keyIdentity = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(" ");

const ADD_KEY = "load it with `ssh-add ~/.ssh/mhylle_deploy` (in GitHub Actions, the action's \"Load the deploy key into ssh-agent\" step does it from the SSH_PRIVATE_KEY secret)";

/**
 * The one way the deploy key reaches the server: ssh-agent. The command provider offers the agent's
 * keys (pulumi-command remote/connection.go SSHConfig) and the Docker provider's ssh:// host runs the
 * system `ssh` (docker connhelper via kreuzwerker config.go MakeClient), which takes its key from
 * the agent only: so the agent must hold the key of server.sshPublicKey, checked before any resource.
 */
export function deployKeyProblems(cfg: PlatformConfig, agent: SshAgentView, preview = pulumi.runtime.isDryRun()): Problem[] {
    // A preview dials no server (docs/engine-notes.md, "A preview dials no server"): the live
    // preview runs without the deploy key, so nothing a branch runs there can log in.
    if (preview || cfg.target !== "scaleway" || !cfg.server.sshPublicKey) return [];
    const field = "server.sshPublicKey";
    const got = cfg.server.sshPublicKey;
    if (!agent.socket) return [{ field, problem: `needs its private key in an ssh-agent where \`pulumi up\` runs (both the command and the Docker provider log in through the agent), and SSH_AUTH_SOCK is not set: start one (eval "$(ssh-agent)") and ${ADD_KEY}`, got }];
    const { status, stdout } = agent.listKeys();
    if (status === -1) return [{ field, problem: "needs its private key in the ssh-agent, and `ssh-add` could not be run to ask it: install OpenSSH's client", got }];
    if (status !== 0 && status !== 1) return [{ field, problem: `needs its private key in the ssh-agent, and the agent at SSH_AUTH_SOCK (${agent.socket}) does not answer: start one (eval "$(ssh-agent)") and ${ADD_KEY}`, got }];
    const wanted = keyIdentity(got);
    const held = status === 0 ? stdout.split("\n").filter((l) => l.trim()).map(keyIdentity) : [];
    if (!held.includes(wanted)) return [{ field, problem: `has no private key in the ssh-agent (it holds ${held.length ? `${held.length} other key${held.length > 1 ? "s" : ""}` : "no key"}): every SSH login would be refused; ${ADD_KEY}`, got }];
    return [];
}

/** The alert channels' secrets: set when their channel is on; the URL checked without ever being shown. */
function alertSecretProblems(cfg: PlatformConfig, config: pulumi.Config): Problem[] {
    const a = cfg.monitoring.alerts;
    const problems: Problem[] = [];
    if (a.webhook.enabled) {
        const url = config.get("alertWebhookUrl");
        if (!url) problems.push({ field: "alertWebhookUrl", problem: "is required when monitoring.alerts.webhook.enabled is true; run: pulumi config set --secret alertWebhookUrl https://...", got: undefined });
        else {
            const problem = webhookUrlProblem(url);
            if (problem) problems.push({ field: "alertWebhookUrl", problem: `${problem}; set it again with pulumi config set --secret alertWebhookUrl https://...`, got: "[secret]" });
        }
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

/** The value of each secret config key an app's secretEnv names (checked as set above). */
const appSecrets = (cfg: PlatformConfig, config: pulumi.Config): AppSecrets => Object.fromEntries(secretEnvKeys(cfg).map((k) => [k, config.requireSecret(k)]));

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
        ...core("images.pgbouncer", "the PgBouncer base", cfg.images.pgbouncer, !cfg.database.managed.enabled || cfg.database.managed.phase !== "done"),
        ...core("images.watchtower", "Watchtower", cfg.images.watchtower, cfg.autoUpdater.enabled),
        ...core("images.certbot", "certbot", cfg.images.certbot, cfg.acme.enabled),
        ...core("backups.offsite.image", "the off-site uploader", cfg.backups.offsite.image, cfg.backups.enabled && cfg.backups.offsite.enabled),
        ...core("monitoring.prometheus.nginxExporterImage", "the nginx exporter", cfg.monitoring.prometheus.nginxExporterImage, cfg.monitoring.enabled && cfg.monitoring.prometheus.enabled),
        ...core("monitoring.prometheus.postgresExporterImage", "the PostgreSQL exporter", cfg.monitoring.prometheus.postgresExporterImage, cfg.monitoring.enabled && cfg.monitoring.prometheus.enabled),
    ];
}

export interface ImageToPin {
    /** Config field of the image, e.g. apps[0].backend.image. */
    readonly field: string;
    /** Who it belongs to, in the user's words: "app1 backend". */
    readonly who: string;
    readonly image: string;
}

/** Asks a registry for an image tag's digest; the HTTP one by default, a fake under tools/record.ts. */
export type DigestLookup = (image: string, credential: LookupCredential | undefined) => Promise<string>;

let digestLookup: DigestLookup = (image, credential) => lookUpDigest(image, credential);

/** The lookup preflight uses: tools/record.ts gives one answering from its options (no network). */
export function useDigestLookup(lookup: DigestLookup): void {
    digestLookup = lookup;
}

/** One line for an image whose digest could not be read: the real cause, and what fixes it. */
function lookupProblem(i: ImageToPin, err: unknown, credentials: readonly LookupCredential[]): Problem {
    const registry = registryOf(i.image);
    const detail = (err instanceof Error && err.message) || String(err);
    const failure = err instanceof DigestLookupError ? err.failure : "failed";
    const fix = {
        unreachable: `check this machine's network (and DNS, proxy or firewall) and the registry's name in the image`,
        denied: credentials.some((c) => sameRegistry(c.server, registry))
            ? `check the token of ${registry} in registries.credentials (it must be able to read the image) and the image's name`
            : `if the image is private, add ${registry} to registries.credentials with a token; otherwise check the image's name`,
        "not-found": "check the image's tag",
        failed: "",
    }[failure];
    return { field: i.field, problem: `${i.who}: cannot read the image's digest from ${registry} (${detail})${fix ? `; ${fix}` : ""}`, got: i.image };
}

/**
 * Each image pinned to the registry's current digest for its tag (as written when it already pins
 * one), asked of the registry's HTTP API: no Docker daemon needed (pulumi-docker#1106). Throws
 * ConfigError with one line per image whose digest could not be read, naming the cause.
 */
export async function pinImages(images: readonly ImageToPin[], credentials: readonly LookupCredential[], lookup: DigestLookup = digestLookup): Promise<Record<string, string>> {
    const problems: Problem[] = [];
    const pinned: Record<string, string> = {};
    await Promise.all(
        images.map(async (i) => {
            if (i.image.includes("@sha256:")) return void (pinned[i.field] = i.image);
            const registry = registryOf(i.image);
            try {
                const digest = await lookup(i.image, credentials.find((c) => sameRegistry(c.server, registry)));
                if (!/^sha256:[a-f0-9]{64}$/.test(digest ?? "")) throw new Error(`no digest in the answer (${JSON.stringify(digest)})`);
                // The tag stays for people reading it (nginx:1.30@sha256:...); Docker uses the digest.
                pinned[i.field] = `${i.image.split("@")[0]}@${digest}`;
            } catch (err) {
                problems.push(lookupProblem(i, err, credentials));
            }
        }),
    );
    if (problems.length) throw new ConfigError(problems.sort((a, b) => a.field.localeCompare(b.field)));
    return pinned;
}

/** What the program builds from: config with its images pinned, the registry logins and the secrets. */
export interface Preflight {
    readonly cfg: PlatformConfig;
    readonly releases: Releases;
    readonly alertSecrets: AlertSecrets;
    readonly appSecrets: AppSecrets;
    /** backupCipherPass, with backups.pitr.enabled. */
    readonly pitrCipherPass?: pulumi.Output<string>;
}

/**
 * Throws ConfigError with one line per problem: bad config, a missing secret or build context, a
 * refused registry. `previousHeld` reads the last `up`'s held images (the program's own stack).
 */
export async function preflight(config: pulumi.Config, previousHeld?: () => Promise<HeldImages | undefined>): Promise<Preflight> {
    const loaded = loadConfig(config);
    const missing = [...missingBuildContexts(loaded, process.cwd()), ...missingSecrets(loaded, config), ...(sshAgent ? deployKeyProblems(loaded, sshAgent) : []), ...hostSshRuleProblems(loaded)];
    if (missing.length) throw new ConfigError(missing);
    const credentials = registryCredentials(loaded, config);
    const toPin = imagesToPin(loaded);
    // The tokens' values, for the lookup only (checked as set above); they never reach a resource.
    const logins = loaded.registries.credentials.map((c) => ({ server: c.server, username: c.username, token: config.require(c.tokenKey) }));
    let images = Object.fromEntries(toPin.map((i) => [i.field, i.image]));
    if (loaded.registries.resolveDigests) {
        // Watchtower keeps the digest the last `up` ran unless config names another
        // (stacks/held-images.ts). Read after every other image is pinned: a refused registry
        // stops the run before anything, the stack reference included, is declared.
        const mayHold = previousHeld && holdsImages(loaded) ? toPin.filter(heldCandidate) : [];
        images = await pinImages(toPin.filter((i) => !mayHold.includes(i)), logins);
        if (mayHold.length) Object.assign(images, await pinImages(holdImages(mayHold, await previousHeld!()), logins));
    }
    const cfg = withImages(loaded, images);
    return { cfg, releases: { credentials, images }, alertSecrets: alertSecrets(cfg, config), appSecrets: appSecrets(cfg, config), pitrCipherPass: cfg.backups.pitr.enabled ? config.requireSecret("backupCipherPass") : undefined };
}
