// PostgreSQL 15 shared by every app: one container, one protected volume, a database and a
// login role per app (seed: Shared Database Pattern).
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { Host } from "./host";
import { hardened } from "./hardening";
import { appDatabaseSql, baselineSql, retireAppSql, sharedDatabaseSql } from "../render/database-sql";
import { psqlScript } from "../render/database-scripts";
import { POSTGRES_CONTAINER, POSTGRES_HOST, POSTGRES_VOLUME } from "../stacks/naming";

export interface DatabaseArgs {
    readonly host: Host;
    readonly image: string;
    readonly memoryMb: number;
    readonly network: docker.Network;
    /** Apps that get a database and login role. */
    readonly apps: readonly string[];
    /** Create shared_db, and the apps whose roles may use it. */
    readonly sharedDb: boolean;
    readonly sharedDbGrants: readonly string[];
}

export class Database extends pulumi.ComponentResource {
    readonly container: docker.Container;
    readonly volume: docker.Volume;
    readonly superuserPassword: pulumi.Output<string>;
    /** Each app's login password (secret). */
    readonly appPasswords: Record<string, pulumi.Output<string>> = {};
    /** Each app's provisioning command: an app's containers start after it. */
    readonly appProvisioned: Record<string, pulumi.Resource> = {};

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:Database", name, {}, opts);
        const provider = args.host.docker;

        // Never lost by accident: Pulumi refuses to delete it, and a destroy leaves it on the server.
        this.volume = new docker.Volume(
            POSTGRES_VOLUME,
            { name: POSTGRES_VOLUME, labels: [{ label: "com.mhylle.platform", value: "database-data" }] },
            { parent: this, provider, protect: true, retainOnDelete: true },
        );

        const superuser = new random.RandomPassword(`${name}-superuser-password`, { length: 32, special: false }, { parent: this });
        this.superuserPassword = pulumi.secret(superuser.result);

        this.container = new docker.Container(
            POSTGRES_CONTAINER,
            {
                name: POSTGRES_CONTAINER,
                image: args.image,
                // Runs as the image's postgres user: no root, no capabilities.
                user: "postgres",
                ...hardened({ memoryMb: args.memoryMb, role: "database", tmpfs: { "/var/run/postgresql": "rw,size=16m", "/tmp": "rw,size=64m" } }),
                envs: [pulumi.interpolate`POSTGRES_PASSWORD=${this.superuserPassword}`, "PGDATA=/var/lib/postgresql/data/pgdata"],
                volumes: [{ volumeName: this.volume.name, containerPath: "/var/lib/postgresql/data" }],
                networksAdvanced: [{ name: args.network.name, aliases: [POSTGRES_HOST] }],
                // Over TCP: during first-time init the entrypoint's temporary server answers on the socket only.
                healthcheck: { tests: ["CMD", "pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"], interval: "5s", timeout: "3s", retries: 10, startPeriod: "10s" },
                wait: true,
                waitTimeout: 120,
            },
            { parent: this, provider },
        );

        const baseline = args.host.runScript("database-baseline", { create: psqlScript(baselineSql(), false) }, { parent: this, dependsOn: [this.container] });

        for (const app of args.apps) {
            const password = new random.RandomPassword(`${app}-db-password`, { length: 32, special: false }, { parent: this });
            this.appPasswords[app] = pulumi.secret(password.result);
            this.appProvisioned[app] = args.host.runScript(
                `${app}-database`,
                {
                    create: psqlScript(appDatabaseSql(app), true),
                    delete: psqlScript(retireAppSql(app), false),
                    stdin: pulumi.interpolate`${this.appPasswords[app]}\n`,
                    quiet: true,
                },
                { parent: this, dependsOn: [this.container, baseline] },
            );
        }
        if (args.sharedDb) {
            args.host.runScript(
                "shared-database",
                { create: psqlScript(sharedDatabaseSql(args.sharedDbGrants, args.apps), false) },
                { parent: this, dependsOn: [this.container, ...Object.values(this.appProvisioned)] },
            );
        }
        this.registerOutputs({ container: this.container.name, volume: this.volume.name });
    }
}
