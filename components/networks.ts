// Docker networks: core services, the database, and one per app (seed: Network Segmentation).
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { CORE_NETWORK, DATABASE_NETWORK, appNetwork } from "../stacks/naming";
import { PLATFORM_LABEL } from "./hardening";

export interface NetworksArgs {
    /** Apps that get a network of their own. */
    readonly apps: readonly string[];
    readonly provider: docker.Provider;
}

export class Networks extends pulumi.ComponentResource {
    /** nginx, watchtower and other core services. */
    readonly core: docker.Network;
    /** Internal (no outbound traffic): only postgres and app backends join it. */
    readonly database: docker.Network;
    /** One per app: nginx, the app's frontend and backend. */
    readonly apps: Record<string, docker.Network> = {};

    constructor(name: string, args: NetworksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:Networks", name, {}, opts);
        const net = (resourceName: string, networkName: string, internal: boolean, role: string) =>
            new docker.Network(
                resourceName,
                { name: networkName, driver: "bridge", internal, labels: [{ label: PLATFORM_LABEL, value: role }] },
                { parent: this, provider: args.provider },
            );
        this.core = net(CORE_NETWORK, CORE_NETWORK, false, "core-network");
        this.database = net(DATABASE_NETWORK, DATABASE_NETWORK, true, "database-network");
        for (const app of args.apps) this.apps[app] = net(appNetwork(app), appNetwork(app), false, `app-network:${app}`);
        this.registerOutputs({});
    }
}
