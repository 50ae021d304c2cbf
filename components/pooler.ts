// PgBouncer between the apps and PostgreSQL (transaction pooling): each app's backend reaches it
// as `postgres` on its own database network, it reaches PostgreSQL on the database network. It
// holds the apps' queries (PAUSE) while PostgreSQL's container is replaced (components/database.ts).
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { Host } from "./host";
import { coreContainer } from "./core-container";
import { containerPolicy } from "../render/container-policy";
import { attachScript, detachScript } from "../render/network-attach";
import { SECRETS_DIR, writeContainerSecretScript } from "../render/secret-file";
import { script, shq } from "../render/shell";
import { psqlScript } from "../render/database-scripts";
import { POOLER_CONTAINER, POSTGRES_CONTAINER, POSTGRES_HOST } from "../config/naming";
import { POOLER_MEMORY_MB } from "../config/core-memory";
import { poolerAuthFile, poolerAuthSql, poolerConfig, POOLER_AUTH_FILE_IN_CONTAINER, POOLER_CONF_IN_CONTAINER, POOLER_PORT } from "../render/database/pooler";
import { buildPoolerImageScript, poolerDockerfile, poolerImage } from "../render/database/pooler-image";

export interface PoolerArgs {
    readonly host: Host;
    /** images.pgbouncer: the base the pooler image is built on. */
    readonly baseImage: string;
    /** The database network: the pooler reaches PostgreSQL there by its container name. */
    readonly network: docker.Network;
}

/** The image's own user (the postgres base's): PgBouncer runs as it and alone reads its files. */
const POOLER_USER = "postgres";
/** PgBouncer's safe shutdown (SIGINT) waits for running transactions: a few seconds. */
const POOLER_STOP_GRACE_SECONDS = 30;
/** Clients in all: every app's pool (50 per role at most, the role's connection limit) with room. */
const MAX_CLIENTS = 1000;

export class Pooler extends pulumi.ComponentResource {
    readonly container: docker.Container;
    /** PgBouncer accepts connections. */
    readonly ready: pulumi.Resource;
    private readonly host: Host;
    private readonly password: pulumi.Output<string>;

    constructor(name: string, args: PoolerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:Pooler", args.host.name(name), {}, opts);
        this.host = args.host;
        const image = poolerImage(args.baseImage);
        const built = args.host.runScript("pgbouncer-image", { create: buildPoolerImageScript(args.baseImage), stdin: poolerDockerfile() }, { parent: this });
        const password = new random.RandomPassword(args.host.name("pgbouncer-auth-password"), { length: 32, special: false }, { parent: this });
        this.password = pulumi.secret(password.result);
        const owner = { image, owner: `${POOLER_USER}:${POOLER_USER}` };
        const config = poolerConfig({ postgresHost: POSTGRES_CONTAINER, maxClients: MAX_CLIENTS });
        // In the secrets folder (0700): no new top-level folder, which a local destroy would have to know.
        const confFile = `${args.host.root}/${SECRETS_DIR}/pgbouncer.ini`;
        const authFile = `${args.host.root}/${SECRETS_DIR}/pgbouncer-auth`;
        // Both files through the secret writer: 0600, the pooler's user's own (the config names the auth role).
        const conf = args.host.runScript(
            "pgbouncer-config",
            { create: writeContainerSecretScript(confFile, owner), delete: script(`rm -f ${shq(confFile)}`), stdin: config },
            { parent: this, dependsOn: [built] },
        );
        const auth = args.host.runScript(
            "pgbouncer-auth-file",
            { create: writeContainerSecretScript(authFile, owner), delete: script(`rm -f ${shq(authFile)}`), stdin: this.password.apply(poolerAuthFile), quiet: true },
            { parent: this, dependsOn: [built] },
        );
        const core = coreContainer(this, {
            host: args.host,
            name: POOLER_CONTAINER,
            image,
            imageBuiltBy: built,
            role: "database-pooler",
            policy: containerPolicy({ memoryMb: POOLER_MEMORY_MB, tmpfs: { "/tmp": "rw,size=16m" } }),
            stopGraceSeconds: POOLER_STOP_GRACE_SECONDS,
            args: {
                user: POOLER_USER,
                // A file bind mount keeps the inode it was made with, so a rewritten config never
                // reaches the running pooler: its hash is in the spec, and a new config replaces it.
                envs: [`PLATFORM_POOLER_CONFIG=${createHash("sha256").update(config).digest("hex").slice(0, 16)}`],
                volumes: [
                    { hostPath: confFile, containerPath: POOLER_CONF_IN_CONTAINER, readOnly: true },
                    { hostPath: authFile, containerPath: POOLER_AUTH_FILE_IN_CONTAINER, readOnly: true },
                ],
                networksAdvanced: [{ name: args.network.name }],
            },
            // pg_isready counts an authentication request as accepting: no login needed.
            health: { test: ["pg_isready", "-q", "-h", "127.0.0.1", "-p", String(POOLER_PORT)], readyTimeoutSeconds: 60 },
            dependsOn: [conf, auth],
        });
        this.container = core.container;
        this.ready = core.ready;
        this.registerOutputs({ container: this.container.name });
    }

    /** The auth role and its lookup function in PostgreSQL, once it accepts connections (the role's password on stdin). */
    authorize(databaseReady: pulumi.Resource, baseline: pulumi.Resource): pulumi.Resource {
        return this.host.runScript(
            "pgbouncer-auth-role",
            { create: psqlScript(poolerAuthSql(), true), stdin: pulumi.interpolate`${this.password}\n`, quiet: true },
            { parent: this, dependsOn: [databaseReady, baseline] },
        );
    }

    /** The pooler on an app's database network as `postgres`; PostgreSQL itself leaves it (it joined it before the pooler). */
    attach(app: string, network: docker.Network, opts: pulumi.CustomResourceOptions & { dependsOn: pulumi.Resource[] }): pulumi.Resource {
        return this.host.runScript(
            `${app}-database-attach`,
            {
                create: pulumi.all([this.container.id, network.name]).apply(([id, net]) => attachScript(POOLER_CONTAINER, id, net, [POSTGRES_HOST]) + detachScript(POSTGRES_CONTAINER, net)),
                delete: network.name.apply((net) => detachScript(POOLER_CONTAINER, net)),
            },
            { ...opts, dependsOn: [this.container, network, ...opts.dependsOn] },
        );
    }
}
