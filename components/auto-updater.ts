// Watchtower: updates only containers labelled for its scope, every 6 hours (seed: Auto-updater).
// containrrr/watchtower is unmaintained and fails on Docker 29; the default image is the
// maintained fork (FIELD-NOTES), pinned to its major version.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Host } from "./host";
import { hardened } from "./hardening";
import { WATCHTOWER_CONTAINER } from "../stacks/naming";

export interface AutoUpdaterArgs {
    readonly host: Host;
    readonly image: string;
    readonly memoryMb: number;
    readonly network: docker.Network;
    /** Six-field cron, seconds first. */
    readonly schedule: string;
    readonly scope: string;
}

export class AutoUpdater extends pulumi.ComponentResource {
    readonly container: docker.Container;

    constructor(name: string, args: AutoUpdaterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:AutoUpdater", name, {}, opts);
        this.container = new docker.Container(
            WATCHTOWER_CONTAINER,
            {
                name: WATCHTOWER_CONTAINER,
                image: args.image,
                // Root inside the container only to open the root-owned Docker socket; no capabilities.
                ...hardened({ memoryMb: args.memoryMb, role: "auto-updater", watchtowerScope: args.scope, tmpfs: { "/tmp": "rw,size=16m" } }),
                envs: [
                    "WATCHTOWER_LABEL_ENABLE=true",
                    `WATCHTOWER_SCOPE=${args.scope}`,
                    `WATCHTOWER_SCHEDULE=${args.schedule}`,
                    "WATCHTOWER_CLEANUP=true",
                    "WATCHTOWER_INCLUDE_RESTARTING=true",
                    "WATCHTOWER_ROLLING_RESTART=true",
                    "TZ=UTC",
                ],
                volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }],
                networksAdvanced: [{ name: args.network.name }],
            },
            { parent: this, provider: args.host.docker },
        );
        this.registerOutputs({ container: this.container.name });
    }
}
