// PostgreSQL 15 shared by every app: one container, one protected volume, a database and a
// login role per app (seed: Shared Database Pattern).
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { Host } from "./host";
import { coreContainer } from "./core-container";
import { containerPolicy } from "../render/container-policy";
import { attachScript, detachScript } from "../render/network-attach";
import { SECRETS_DIR, writeContainerSecretScript } from "../render/secret-file";
import { script, shq } from "../render/shell";
import { appDatabaseSql, baselineSql, retireAppSql, sharedDatabaseSql } from "../render/database-sql";
import { psqlScript } from "../render/database-scripts";
import { PLATFORM_LABEL, POSTGRES_CONTAINER, POSTGRES_HOST, POSTGRES_VOLUME } from "../config/naming";
import type { BackupsConfig } from "../config/schema";
import { archivingCommand, stanzaCreateScript, PGBACKREST_CONF, PGBACKREST_CONF_IN_CONTAINER, PGBACKREST_REPO1_PATH, PGBACKREST_VOLUME } from "../render/backup/pgbackrest";
import { buildImageScript, derivedImage, dockerfile } from "../render/backup/postgres-image";
import { PGBACKREST_POSTGRES_CONF, PGBACKREST_SPOOL, PGBACKREST_TLS_DIR } from "../render/backup/pgbackrest-host";
import { Pooler } from "./pooler";
import { pauseScript, resumeScript } from "../render/database/pooler";

/** With the repository host (components/pgbackrest-host.ts): PostgreSQL pushes to it and holds no repository. */
export interface RepoHostSide {
    readonly image: string;
    readonly built: pulumi.Resource;
    /** PostgreSQL's TLS folder on the server, and the command that made it. */
    readonly tlsFolder: string;
    readonly tls: pulumi.Resource;
}

export interface DatabaseArgs {
    readonly host: Host;
    readonly image: string;
    readonly memoryMb: number;
    /** The internal network of PostgreSQL and the platform's database clients. */
    readonly network: docker.Network;
    /** Per app with a database, its internal network: PostgreSQL joins each (alias `postgres`). */
    readonly appNetworks: Readonly<Record<string, docker.Network>>;
    /** Apps that get a database and login role. */
    readonly apps: readonly string[];
    /** Create shared_db, and the apps whose roles may use it. */
    readonly sharedDb: boolean;
    readonly sharedDbGrants: readonly string[];
    /**
     * Protect the data volume: Pulumi refuses to delete it and a destroy leaves it on the server.
     * Off on the local target, where a destroy removes everything it made.
     */
    readonly keepData: boolean;
    /** Point-in-time recovery (backups.pitr.enabled): the rendered pgbackrest.conf (secret) and the backups config. */
    readonly pitr?: { readonly backups: BackupsConfig; readonly conf: pulumi.Output<string>; readonly repoHost?: RepoHostSide };
    /** images.pgbouncer: apps reach PostgreSQL through PgBouncer, paused while PostgreSQL's container is replaced. */
    readonly poolerBaseImage?: string;
}

/** PostgreSQL's fast shutdown (SIGINT, the image's stop signal) finishes well within this. */
export const DATABASE_STOP_GRACE_SECONDS = 60;
/** The image's own user: PostgreSQL runs as it, and it alone reads the superuser's password file. */
export const POSTGRES_USER = "postgres";
/** The superuser's password, as a file in the container: never in the environment (docker inspect). */
export const SUPERUSER_PASSWORD_FILE = "/run/secrets/postgres-superuser";

export class Database extends pulumi.ComponentResource {
    readonly container: docker.Container;
    /** PostgreSQL accepts connections. */
    readonly ready: pulumi.Resource;
    readonly volume: docker.Volume;
    /** repo1's volume (backups.pitr): mounted here, or by the repository host, which takes it over unchanged. */
    pitrRepoVolume?: docker.Volume;
    readonly superuserPassword: pulumi.Output<string>;
    /** Each app's login password (secret). */
    readonly appPasswords: Record<string, pulumi.Output<string>> = {};
    /** Each app's provisioning command: an app's containers start after it. */
    readonly appProvisioned: Record<string, pulumi.Resource> = {};
    /** Each app's database network joined by PostgreSQL: an app's backend starts after it. */
    readonly appAttached: Record<string, pulumi.Resource> = {};
    /** PgBouncer, when apps reach PostgreSQL through it. */
    readonly pooler?: Pooler;

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:Database", args.host.name(name), {}, opts);
        this.volume = new docker.Volume(
            args.host.name(POSTGRES_VOLUME),
            { name: POSTGRES_VOLUME, labels: [{ label: PLATFORM_LABEL, value: "database-data" }] },
            { parent: this, provider: args.host.docker, ...(args.keepData ? { protect: true, retainOnDelete: true } : {}) },
        );
        const superuser = new random.RandomPassword(args.host.name(`${name}-superuser-password`), { length: 32, special: false }, { parent: this });
        this.superuserPassword = pulumi.secret(superuser.result);
        const secretFile = `${args.host.root}/${SECRETS_DIR}/postgres-superuser`;
        const secret = args.host.runScript(
            `${name}-superuser-secret`,
            { create: writeContainerSecretScript(secretFile, { image: args.image, owner: `${POSTGRES_USER}:${POSTGRES_USER}` }), delete: script(`rm -f ${shq(secretFile)}`), stdin: this.superuserPassword, quiet: true },
            { parent: this },
        );
        // The pooler first: it must be up before PostgreSQL's container is replaced, to PAUSE.
        if (args.poolerBaseImage) this.pooler = new Pooler("pooler", { host: args.host, baseImage: args.poolerBaseImage, network: args.network }, { parent: this });
        const core = this.postgres(args, secretFile, secret);
        this.container = core.container;
        this.ready = core.ready;
        if (this.pooler) {
            // After the new container answers; keyed on its ID, so it runs for every new container.
            args.host.runScript("database-resume", { create: this.container.id.apply((id) => resumeScript(`container ${id}`)) }, { parent: this, dependsOn: [this.ready, this.pooler.ready] });
        }
        if (args.pitr && !args.pitr.repoHost) {
            // archive-push fails until the stanza exists, and PostgreSQL keeps every segment meanwhile:
            // made at once, for each new container (idempotent), not at the first scheduled backup.
            args.host.runScript(
                "pgbackrest-stanza",
                { create: this.container.id.apply((id) => stanzaCreateScript(POSTGRES_CONTAINER, id)) },
                { parent: this, dependsOn: [this.ready] },
            );
        }

        const baseline = args.host.runScript("database-baseline", { create: psqlScript(baselineSql(), false) }, { parent: this, dependsOn: [this.ready] });
        const poolerAuth = this.pooler?.authorize(this.ready, baseline);
        for (const app of args.apps) this.provisionApp(app, args, baseline, poolerAuth);
        if (args.sharedDb) {
            args.host.runScript(
                "shared-database",
                { create: psqlScript(sharedDatabaseSql(args.sharedDbGrants, args.apps), false) },
                { parent: this, dependsOn: [this.ready, ...Object.values(this.appProvisioned)] },
            );
        }
        this.registerOutputs({ container: this.container.name, volume: this.volume.name });
    }

    /**
     * With pitr: the derived image with pgBackRest (built on the server from the pinned base), the
     * local repository's volume, and pgbackrest.conf as a secret file mounted read-only.
     */
    private archiving(args: DatabaseArgs) {
        const pitr = args.pitr;
        if (!pitr) return undefined;
        // Declared here in both layouts: turning the bucket on keeps the same protected volume.
        const repo = new docker.Volume(
            args.host.name(PGBACKREST_VOLUME),
            { name: PGBACKREST_VOLUME, labels: [{ label: PLATFORM_LABEL, value: "database-backups" }] },
            { parent: this, provider: args.host.docker, ...(args.keepData ? { protect: true, retainOnDelete: true } : {}) },
        );
        this.pitrRepoVolume = repo;
        if (pitr.repoHost) return this.archivingToRepoHost(args, pitr.conf, pitr.repoHost, pitr.backups);
        const image = derivedImage(args.image);
        const built = args.host.runScript("postgres-pgbackrest-image", { create: buildImageScript(args.image), stdin: dockerfile() }, { parent: this });
        const confFile = `${args.host.root}/${PGBACKREST_CONF}`;
        const conf = args.host.runScript(
            "pgbackrest-config",
            { create: writeContainerSecretScript(confFile, { image: args.image, owner: `${POSTGRES_USER}:${POSTGRES_USER}` }), delete: script(`rm -f ${shq(confFile)}`), stdin: pitr.conf, quiet: true },
            { parent: this },
        );
        return {
            image,
            built,
            conf,
            command: archivingCommand(pitr.backups.pitr),
            volumes: [
                { volumeName: repo.name, containerPath: PGBACKREST_REPO1_PATH },
                { hostPath: confFile, containerPath: PGBACKREST_CONF_IN_CONTAINER, readOnly: true },
            ],
        };
    }

    /** PostgreSQL's side of the repository host: its file (nothing secret), its TLS folder, the async spool. */
    private archivingToRepoHost(args: DatabaseArgs, confText: pulumi.Output<string>, side: RepoHostSide, backups: BackupsConfig) {
        const confFile = `${args.host.root}/${PGBACKREST_POSTGRES_CONF}`;
        const conf = args.host.runScript(
            "pgbackrest-config",
            { create: writeContainerSecretScript(confFile, { image: args.image, owner: `${POSTGRES_USER}:${POSTGRES_USER}` }), delete: script(`rm -f ${shq(confFile)}`), stdin: confText, quiet: true },
            { parent: this, dependsOn: [side.tls] },
        );
        return {
            image: side.image,
            built: side.built,
            conf,
            command: archivingCommand(backups.pitr),
            tmpfs: { [PGBACKREST_SPOOL]: "rw,size=16m,uid=999,gid=999,mode=0700" },
            volumes: [
                { hostPath: confFile, containerPath: PGBACKREST_CONF_IN_CONTAINER, readOnly: true },
                { hostPath: side.tlsFolder, containerPath: PGBACKREST_TLS_DIR, readOnly: true },
            ],
        };
    }

    /** The container: the superuser's password from a file, the data on the volume. */
    private postgres(args: DatabaseArgs, secretFile: string, secret: pulumi.Resource) {
        const pitr = this.archiving(args);
        return coreContainer(this, {
            host: args.host,
            name: POSTGRES_CONTAINER,
            image: pitr?.image ?? args.image,
            ...(pitr ? { imageBuiltBy: pitr.built } : {}),
            role: "database",
            // Runs as the image's postgres user: no root, no capabilities.
            policy: containerPolicy({ memoryMb: args.memoryMb, tmpfs: { "/var/run/postgresql": "rw,size=16m", "/tmp": "rw,size=64m", ...(pitr && "tmpfs" in pitr ? pitr.tmpfs : {}) } }),
            stopGraceSeconds: DATABASE_STOP_GRACE_SECONDS,
            args: {
                user: POSTGRES_USER,
                envs: [`POSTGRES_PASSWORD_FILE=${SUPERUSER_PASSWORD_FILE}`, "PGDATA=/var/lib/postgresql/data/pgdata"],
                volumes: [
                    { volumeName: this.volume.name, containerPath: "/var/lib/postgresql/data" },
                    { hostPath: secretFile, containerPath: SUPERUSER_PASSWORD_FILE, readOnly: true },
                    ...(pitr?.volumes ?? []),
                ],
                ...(pitr ? { command: pitr.command } : {}),
                networksAdvanced: [{ name: args.network.name, aliases: [POSTGRES_HOST] }],
            },
            // Over TCP: during first-time init the entrypoint's temporary server answers on the socket only.
            health: { test: ["pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"], readyTimeoutSeconds: 120 },
            dependsOn: [secret, ...(pitr ? [pitr.conf] : [])],
            // PAUSE (after a CHECKPOINT) before the old container is stopped; RESUME is database-resume.
            ...(this.pooler ? { beforeReplace: (key: pulumi.Output<string>, after: pulumi.Input<pulumi.Resource>[]) => this.pause(args, key, after) } : {}),
        });
    }

    /** The pooler's PAUSE before PostgreSQL's container is replaced (docs/engine-notes.md section 23). */
    private pause(args: DatabaseArgs, key: pulumi.Output<string>, after: pulumi.Input<pulumi.Resource>[]): pulumi.Resource {
        return args.host.runScript("database-pause", { create: key.apply((k) => pauseScript(k)) }, { parent: this, dependsOn: [...after, this.pooler!.ready] });
    }

    /** An app's database and login role, and on the app's database network the pooler (or PostgreSQL) as `postgres`. */
    private provisionApp(app: string, args: DatabaseArgs, baseline: pulumi.Resource, poolerAuth?: pulumi.Resource) {
        const password = new random.RandomPassword(args.host.name(`${app}-db-password`), { length: 32, special: false }, { parent: this });
        this.appPasswords[app] = pulumi.secret(password.result);
        this.appProvisioned[app] = args.host.runScript(
            `${app}-database`,
            {
                create: psqlScript(appDatabaseSql(app), true),
                delete: psqlScript(retireAppSql(app), false),
                stdin: pulumi.interpolate`${this.appPasswords[app]}\n`,
                quiet: true,
            },
            { parent: this, dependsOn: [this.ready, baseline] },
        );
        const network = args.appNetworks[app];
        if (!network) throw new pulumi.ResourceError(`app ${app} has no database network`, this);
        if (this.pooler) {
            this.appAttached[app] = this.pooler.attach(app, network, { parent: this, dependsOn: [this.appProvisioned[app], ...(poolerAuth ? [poolerAuth] : [])] });
            return;
        }
        // Keyed on the container's ID: a new PostgreSQL container joins again (docs/engine-notes.md).
        this.appAttached[app] = args.host.runScript(
            `${app}-database-attach`,
            {
                create: pulumi.all([this.container.id, network.name]).apply(([id, net]) => attachScript(POSTGRES_CONTAINER, id, net, [POSTGRES_HOST])),
                delete: network.name.apply((net) => detachScript(POSTGRES_CONTAINER, net)),
            },
            { parent: this, dependsOn: [this.container, network] },
        );
    }
}
