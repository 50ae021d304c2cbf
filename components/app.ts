// One app of the seed: an Angular frontend and a NestJS backend on the app's own network,
// routed by nginx, the backend also on the app's own database network with its own database.
import * as path from "node:path";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Host } from "./host";
import type { AppConfig } from "../config/schema";
import { NGINX_CONTAINER, POSTGRES_HOST, ServiceKind, databaseName, localImageName, roleName } from "../config/naming";
import { containerSpec } from "../render/app/container-spec";
import { ReleaseInput, releaseScript, removeServiceScript } from "../render/app/release";
import { installReleaseScript, removeInstalledServiceScript } from "../render/app/rollout";
import { attachScript, detachScript } from "../render/network-attach";
import { DatabaseEndpoint, SslMode, managedEnvLines } from "../render/managed-database";

/** The values of secret config keys, by key (stacks/preflight.ts reads them). */
export type AppSecrets = Readonly<Record<string, pulumi.Output<string>>>;

/** The managed database as one backend reaches it. */
export interface ManagedConnection {
    readonly user: string;
    readonly database: string;
    readonly endpoint: pulumi.Output<DatabaseEndpoint>;
    /** A read replica, for apps with readReplica: true. */
    readonly readEndpoint?: pulumi.Output<DatabaseEndpoint>;
    readonly sslMode: SslMode;
    /** The instance's certificate on the server. */
    readonly caFile: string;
}

export interface AppArgs {
    readonly host: Host;
    readonly app: AppConfig;
    readonly network: docker.Network;
    /** nginx: it joins the app network once it exists, and again whenever it is replaced. */
    readonly proxy: docker.Container;
    /** The proxy config that holds this app's routes and slots. */
    readonly proxyConfig: pulumi.Resource;
    /** nginx's status port: releases probe each slot through it. */
    readonly proxyStatusPort: number;
    /**
     * The app's database (when database: true): its password, the command that created its role,
     * and PostgreSQL joining the app's database network.
     */
    readonly database?: {
        readonly password: pulumi.Output<string>;
        readonly provisioned: pulumi.Resource;
        readonly attached: pulumi.Resource;
        /** Scaleway's managed database instead of the container. */
        readonly managed?: ManagedConnection;
    };
    readonly watchtowerScope: string;
    /** Where `build` contexts are (the project folder). */
    readonly projectDir: string;
    /** The values of the secret config keys the app's secretEnv names. @default none */
    readonly secrets?: AppSecrets;
    /** Registry logins on the server (and local image builds): releases pull or use them after. */
    readonly imageSources: readonly pulumi.Resource[];
    /**
     * One of several servers: the release is only installed here, and rolled over the fleet by the
     * coordinator (stacks/rollouts.ts). @default false: the release command releases it itself.
     */
    readonly phased?: boolean;
}

/** Env file lines of a service: its plain env, its secretEnv's values and, for a backend, the database settings. */
export function serviceEnv(app: AppConfig, kind: ServiceKind, password?: pulumi.Output<string>, managed?: ManagedConnection, secrets: AppSecrets = {}): pulumi.Output<string> {
    const plain = Object.entries(app[kind].env).map(([k, v]) => `${k}=${v}`);
    const secretEnv = Object.entries(app[kind].secretEnv);
    if (secretEnv.length) {
        const values = secretEnv.map(([name, key]) => {
            const value = secrets[key];
            if (!value) throw new Error(`no value for the secret config key ${key} (apps ${app.name} ${kind} secretEnv.${name})`);
            return value.apply((v) => {
                // The env file is one variable a line: a line break would start another variable.
                if (/[\n\r\0]/.test(v)) throw new Error(`the secret config key ${key} holds a line break or NUL, which an env file cannot carry`);
                return `${name}=${v}`;
            });
        });
        return pulumi.secret(pulumi.all([serviceEnv({ ...app, [kind]: { ...app[kind], secretEnv: {} } }, kind, password, managed), ...values]).apply(([base, ...lines]) => base + lines.join("\n") + "\n"));
    }
    const base = [`PORT=${app[kind].port}`, `APP_NAME=${app.name}`, ...plain];
    if (kind !== "backend" || !password) return pulumi.output(base.join("\n") + "\n");
    if (managed)
        return pulumi.secret(
            pulumi.all([password, managed.endpoint, managed.readEndpoint]).apply(([pw, at, read]) =>
                [...base, ...managedEnvLines({ user: managed.user, password: pw, database: managed.database }, at, managed.sslMode, read)].join("\n") + "\n",
            ),
        );
    const db = databaseName(app.name);
    const role = roleName(app.name);
    return pulumi.secret(
        password.apply((pw) =>
            [
                ...base,
                `DATABASE_HOST=${POSTGRES_HOST}`,
                "DATABASE_PORT=5432",
                `DATABASE_NAME=${db}`,
                `DATABASE_USER=${role}`,
                `DATABASE_PASSWORD=${pw}`,
                `DATABASE_URL=postgres://${role}:${pw}@${POSTGRES_HOST}:5432/${db}`,
            ].join("\n") + "\n",
        ),
    );
}

export class App extends pulumi.ComponentResource {
    readonly releases: Record<ServiceKind, pulumi.Resource>;
    /** Per service, what this server has to release (a hash of its script and env, no secret in it) and the image. */
    readonly installed: Record<ServiceKind, { readonly identity: pulumi.Output<string>; readonly image: pulumi.Output<string> }> = {} as never;

    constructor(name: string, args: AppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:App", args.host.name(name), {}, opts);
        const { app, host } = args;
        // nginx joins the app network by command (a change to its container's networks would
        // replace it), keyed on its container's ID: a replaced nginx joins again in the same `up`.
        const attach = host.runScript(
            `${name}-proxy-attach`,
            {
                create: pulumi.all([args.proxy.id, args.network.name]).apply(([id, net]) => attachScript(NGINX_CONTAINER, id, net)),
                delete: args.network.name.apply((net) => detachScript(NGINX_CONTAINER, net)),
            },
            { parent: this, dependsOn: [args.network, args.proxy] },
        );

        /** The image to release: the config's (pinned by digest when resolved), or built here from source. */
        const imageOf = (kind: ServiceKind): { image: pulumi.Input<string>; built?: pulumi.Resource } => {
            const svc = app[kind];
            if (!svc.build) return { image: svc.image! };
            const built = new docker.Image(
                host.name(`${name}-${kind}-image`),
                {
                    imageName: localImageName(app.name, kind),
                    build: { context: path.resolve(args.projectDir, svc.build.context), dockerfile: path.resolve(args.projectDir, svc.build.context, svc.build.dockerfile), args: svc.build.args },
                    skipPush: true,
                },
                { parent: this, provider: host.docker },
            );
            // The local image ID: a rebuild with a change gives a new one, which releases it.
            return { image: built.repoDigest, built };
        };

        const release = (kind: ServiceKind) => {
            const spec = containerSpec(app, kind, args.watchtowerScope, args.database?.managed?.caFile);
            const { image: imageInput, built } = imageOf(kind);
            const database = kind === "backend" ? args.database : undefined;
            const input = (image: string): ReleaseInput => ({ root: host.root, app: app.name, service: kind, spec, image, statusPort: args.proxyStatusPort, ...app.release });
            const stdin = serviceEnv(app, kind, database?.password, database?.managed, args.secrets);
            const create = pulumi.output(imageInput).apply((image) => (args.phased ? installReleaseScript(input(image)) : releaseScript(input(image))));
            // A hash reveals nothing of the env's secrets; the coordinator's text changes with it.
            this.installed[kind] = { identity: pulumi.unsecret(pulumi.all([create, stdin]).apply(([c, e]) => createHash("sha256").update(c).update("\0").update(e).digest("hex").slice(0, 16))), image: pulumi.output(imageInput) };
            return host.runScript(
                `${name}-${kind}-release`,
                {
                    // The pinned image is in the script text: a new digest updates the command, which
                    // reruns the release; an unchanged one runs nothing (never in triggers: a change
                    // there replaces the command, and the old one's delete would remove the service).
                    // With several servers it only installs the release; the rollout releases it.
                    create,
                    delete: args.phased ? removeInstalledServiceScript(host.root, app.name, kind, spec.label) : removeServiceScript(host.root, app.name, kind, spec.label),
                    stdin,
                    secretOutput: true,
                },
                { parent: this, dependsOn: [attach, args.proxyConfig, ...args.imageSources, ...(built ? [built] : []), ...(database ? [database.provisioned, database.attached] : [])] },
            );
        };
        this.releases = { frontend: release("frontend"), backend: release("backend") };
        this.registerOutputs({});
    }
}
