// The private network of a stack with more than one server or the managed database: a VPC and one
// private network in the servers' region. Servers, the load balancer and the database join it;
// nothing on it is reachable from the internet (the database has no public endpoint at all).
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";

export interface PrivateNetworkArgs {
    /** The region of the servers' zone (fr-par for fr-par-1). */
    readonly region: string;
}

/** The region a zone is in: fr-par-1 -> fr-par. */
export const regionOf = (zone: string) => zone.replace(/-[0-9]+$/, "");

export class PrivateNetwork extends pulumi.ComponentResource {
    readonly vpc: scaleway.network.Vpc;
    readonly network: scaleway.network.PrivateNetwork;

    constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:PrivateNetwork", name, {}, opts);
        const tags = ["mhylle-platform"];
        this.vpc = new scaleway.network.Vpc(`${name}-vpc`, { name: "mhylle-platform", region: args.region, tags }, { parent: this });
        // IPAM chooses the subnet and every member's address (the database's endpoint needs IPAM to be routed).
        this.network = new scaleway.network.PrivateNetwork(name, { name: "mhylle-platform", vpcId: this.vpc.id, region: args.region, tags }, { parent: this });
        this.registerOutputs({ id: this.network.id });
    }
}
