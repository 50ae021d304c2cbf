// The pgBackRest repository host (render/backup/pgbackrest-host.ts): how WAL leaves a PostgreSQL
// whose networks are all internal. A container of the derived image running `pgbackrest server`,
// on the database network (PostgreSQL pushes to it over TLS) and on a network of its own with
// egress (the bucket). It holds repo1's volume, the cipher passphrase and repo2's key; PostgreSQL's
// container holds none of them. The jobs (backups, expire, verify, the drill) run here
// (render/backup/pitr.sh, pb_container).
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Host } from "./host";
import { coreContainer } from "./core-container";
import { pitrStore } from "./pitr-store";
import { containerPolicy } from "../render/container-policy";
import { writeContainerSecretScript } from "../render/secret-file";
import { script, shq } from "../render/shell";
import { PLATFORM_LABEL } from "../config/naming";
import type { BackupsConfig } from "../config/schema";
import { PGBACKREST_REPO_HOST_CONF, PGBACKREST_CONF_IN_CONTAINER, PGBACKREST_REPO1_PATH } from "../render/backup/pgbackrest";
import { connectScript, PGBACKREST_EGRESS_NETWORK, PGBACKREST_HOST, PGBACKREST_TLS_DIR, REPO_HOST_COMMAND, REPO_HOST_HEALTH, repoHostConf } from "../render/backup/pgbackrest-host";
import { pgbackrestTlsScript, tlsFolder } from "../render/backup/pgbackrest-tls";

/** pgBackRest holds a buffer per process and a file list per backup; process-max is 1. */
export const REPO_HOST_MEMORY_MB = 256;

export interface PgBackRestHostArgs {
    readonly host: Host;
    readonly backups: BackupsConfig;
    /** The derived image with pgBackRest, and the command that built it on the server. */
    readonly image: string;
    readonly built: pulumi.Resource;
    /** PostgreSQL's internal network: the repository host joins it as PGBACKREST_HOST. */
    readonly databaseNetwork: docker.Network;
    /** backupCipherPass. */
    readonly cipherPass: pulumi.Output<string>;
    /** Protect repo1's volume (as the data volume): off on the local target. */
    readonly keepData: boolean;
}

export class PgBackRestHost extends pulumi.ComponentResource {
    /** The TLS files exist on the server (PostgreSQL's container mounts its folder). */
    readonly tls: pulumi.Resource;
    /** PostgreSQL's TLS folder on the server, mounted at PGBACKREST_TLS_DIR. */
    readonly postgresTlsFolder: string;
    private readonly host: Host;
    private readonly args: PgBackRestHostArgs;
    private readonly confWritten: pulumi.Resource;
    private readonly egress: docker.Network;

    constructor(name: string, args: PgBackRestHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:PgBackRestHost", args.host.name(name), {}, opts);
        this.host = args.host;
        const root = args.host.root;
        const store = pitrStore(args.host.name(`${name}-repo2`), args.backups, this);
        this.egress = new docker.Network(
            args.host.name(PGBACKREST_EGRESS_NETWORK),
            { name: PGBACKREST_EGRESS_NETWORK, driver: "bridge", internal: false, labels: [{ label: PLATFORM_LABEL, value: "pgbackrest-egress" }] },
            { parent: this, provider: args.host.docker },
        );
        this.tls = args.host.runScript(`${name}-tls`, { create: pgbackrestTlsScript(root, args.image) }, { parent: this, dependsOn: [args.built] });
        this.postgresTlsFolder = tlsFolder(root, "pg");
        const confFile = `${root}/${PGBACKREST_REPO_HOST_CONF}`;
        const conf = pulumi.secret(
            pulumi.all([args.cipherPass, store.accessKey, store.secretKey]).apply(([cipherPass, s3Key, s3Secret]) => repoHostConf(args.backups, { cipherPass, s3Key, s3Secret })),
        );
        const confWritten = args.host.runScript(
            `${name}-repository-config`,
            { create: writeContainerSecretScript(confFile, { image: args.image, owner: "postgres:postgres" }), delete: script(`rm -f ${shq(confFile)}`), stdin: conf, quiet: true },
            { parent: this, dependsOn: [args.built] },
        );
        this.args = args;
        this.confWritten = confWritten;
        this.registerOutputs({ bucket: store.bucket.name });
    }

    /**
     * Once PostgreSQL is declared: the repository host's container with repo1's volume (declared by
     * the Database, so turning the bucket on keeps it), then PostgreSQL's `pgbackrest server` and
     * the stanza, for each new pair of containers.
     */
    start(postgres: docker.Container, postgresReady: pulumi.Resource, repo: docker.Volume): { container: docker.Container; ready: pulumi.Resource; connected: pulumi.Resource } {
        const args = this.args;
        const root = args.host.root;
        const confFile = `${root}/${PGBACKREST_REPO_HOST_CONF}`;
        const confWritten = this.confWritten;
        const egress = this.egress;
        const core = coreContainer(this, {
            host: args.host,
            name: PGBACKREST_HOST,
            image: args.image,
            imageBuiltBy: args.built,
            role: "pgbackrest",
            // As postgres, no capabilities, read-only root; pgBackRest's lock files go to /tmp.
            policy: containerPolicy({ memoryMb: REPO_HOST_MEMORY_MB }),
            stopGraceSeconds: 30,
            args: {
                user: "postgres",
                command: REPO_HOST_COMMAND,
                volumes: [
                    { volumeName: repo.name, containerPath: PGBACKREST_REPO1_PATH },
                    { hostPath: confFile, containerPath: PGBACKREST_CONF_IN_CONTAINER, readOnly: true },
                    { hostPath: tlsFolder(root, "repo"), containerPath: PGBACKREST_TLS_DIR, readOnly: true },
                ],
                networksAdvanced: [{ name: args.databaseNetwork.name, aliases: [PGBACKREST_HOST] }, { name: egress.name }],
            },
            health: { test: REPO_HOST_HEALTH, readyTimeoutSeconds: 60 },
            dependsOn: [confWritten, this.tls],
        });
        const connected = this.host.runScript(
            "pgbackrest-connect",
            { create: pulumi.all([postgres.id, core.container.id]).apply(([pg, repoId]) => connectScript(pg, repoId)) },
            { parent: this, dependsOn: [postgresReady, core.ready] },
        );
        return { container: core.container, ready: core.ready, connected };
    }
}
