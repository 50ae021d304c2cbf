// Docker networks: core services, the database, one per app and one per app's database
// (seed: Network Segmentation, Database Access: only backend containers reach PostgreSQL).
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { Host } from "./host";
import { CORE_NETWORK, DATABASE_NETWORK, PLATFORM_LABEL, appDatabaseNetwork, appNetwork } from "../config/naming";

export interface NetworksArgs {
    /** Apps that get a network of their own. */
    readonly apps: readonly string[];
    /** Apps whose backend uses PostgreSQL: each gets an internal network with it, and only it. */
    readonly appsWithDatabase: readonly string[];
    /** The server they are on (its Docker engine and resource names). */
    readonly host: Host;
}

export class Networks extends pulumi.ComponentResource {
    /** nginx, watchtower and other core services. */
    readonly core: docker.Network;
    /** Internal (no outbound traffic): PostgreSQL and the platform's own database clients (exporter). */
    readonly database: docker.Network;
    /** One per app: nginx, the app's frontend and backend. */
    readonly apps: Record<string, docker.Network> = {};
    /**
     * One per app with a database, internal: the app's backend and PostgreSQL. Backends share no
     * network, so one app cannot reach another app's containers (seed: Container Isolation).
     */
    readonly appDatabases: Record<string, docker.Network> = {};

    constructor(name: string, args: NetworksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:Networks", args.host.name(name), {}, opts);
        const net = (resourceName: string, networkName: string, internal: boolean, role: string) =>
            new docker.Network(
                args.host.name(resourceName),
                { name: networkName, driver: "bridge", internal, labels: [{ label: PLATFORM_LABEL, value: role }] },
                { parent: this, provider: args.host.docker },
            );
        this.core = net(CORE_NETWORK, CORE_NETWORK, false, "core-network");
        this.database = net(DATABASE_NETWORK, DATABASE_NETWORK, true, "database-network");
        for (const app of args.apps) this.apps[app] = net(appNetwork(app), appNetwork(app), false, `app-network:${app}`);
        for (const app of args.appsWithDatabase) this.appDatabases[app] = net(appDatabaseNetwork(app), appDatabaseNetwork(app), true, `app-database-network:${app}`);
        this.registerOutputs({});
    }
}
