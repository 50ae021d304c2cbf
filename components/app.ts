// One app of the seed: an Angular frontend and a NestJS backend on the app's own network,
// routed by nginx, the backend also on the database network with its own database.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Host } from "./host";
import type { AppConfig } from "../stacks/schema";
import { NGINX_CONTAINER, POSTGRES_HOST, ServiceKind, apiPrefix, databaseName, roleName, routePrefix } from "../stacks/naming";
import { containerSpec } from "../render/app/container-spec";
import { releaseScript, removeServiceScript } from "../render/app/release";
import { script, shq } from "../render/shell";

export interface AppArgs {
    readonly host: Host;
    readonly app: AppConfig;
    readonly network: docker.Network;
    /** nginx must exist before it joins the app network. */
    readonly proxy: pulumi.Resource;
    /** The proxy config that includes this app's upstreams. */
    readonly proxyConfig: pulumi.Resource;
    /** The app's database password and the command that created its role (when database: true). */
    readonly database?: { readonly password: pulumi.Output<string>; readonly provisioned: pulumi.Resource };
    readonly watchtowerScope: string;
    /** Images to release per service, pinned by digest when digests are resolved. */
    readonly images: Record<ServiceKind, string>;
    /** Registry logins on the server: releases pull after them. */
    readonly registryLogins: readonly pulumi.Resource[];
}

/** Env file lines of a service: its plain env plus, for a backend, the database settings. */
export function serviceEnv(app: AppConfig, kind: ServiceKind, password?: pulumi.Output<string>): pulumi.Output<string> {
    const plain = Object.entries(app[kind].env).map(([k, v]) => `${k}=${v}`);
    const base = [`PORT=${app[kind].port}`, `APP_NAME=${app.name}`, ...plain];
    if (kind !== "backend" || !password) return pulumi.output(base.join("\n") + "\n");
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

    constructor(name: string, args: AppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:App", name, {}, opts);
        const { app, host } = args;
        const network = app.name + "-network";

        // nginx joins the app network by command: a change to its container's networks would replace it.
        const attach = host.runScript(
            `${name}-proxy-attach`,
            {
                create: script(
                    `if ! docker inspect -f '{{range $name, $_ := .NetworkSettings.Networks}}{{$name}}{{"\\n"}}{{end}}' ${NGINX_CONTAINER} | grep -qxF ${shq(network)}; then`,
                    `  docker network connect ${shq(network)} ${NGINX_CONTAINER}`,
                    "fi",
                ),
                delete: script(`docker network disconnect ${shq(network)} ${NGINX_CONTAINER} 2>/dev/null || true`),
            },
            { parent: this, dependsOn: [args.network, args.proxy] },
        );

        const release = (kind: ServiceKind) => {
            const spec = containerSpec(app, kind, args.watchtowerScope);
            const password = kind === "backend" ? args.database?.password : undefined;
            return host.runScript(
                `${name}-${kind}-release`,
                {
                    // The pinned image is in the script text: a new digest updates the command, which
                    // reruns the release; an unchanged one runs nothing (FIELD-NOTES: not in triggers).
                    create: releaseScript({
                        root: host.root,
                        app: app.name,
                        service: kind,
                        spec,
                        image: args.images[kind],
                        route: `${kind === "frontend" ? routePrefix(app) : apiPrefix(app)}/`,
                        ...app.release,
                    }),
                    delete: removeServiceScript(app.name, kind),
                    stdin: serviceEnv(app, kind, password),
                },
                { parent: this, dependsOn: [attach, args.proxyConfig, ...args.registryLogins, ...(password && args.database ? [args.database.provisioned] : [])] },
            );
        };
        this.releases = { frontend: release("frontend"), backend: release("backend") };
        this.registerOutputs({});
    }
}
