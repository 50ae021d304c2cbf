// Watchtower: updates only containers labelled for its scope, every 6 hours (seed: Auto-updater).
// containrrr/watchtower is unmaintained and fails on Docker 29; the default image is the
// maintained fork, pinned to its major version. It never touches a container Pulumi manages (none
// carries its labels): recreating one outside Pulumi would fail Pulumi's next replacement of it
// ("name already in use", docs/engine-notes.md). Core images are updated by `pulumi up` instead
// (digests resolved at preview); Watchtower serves the apps that opt in (apps[].watchtower).
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Host } from "./host";
import { coreContainer } from "./core-container";
import { containerPolicy } from "../render/container-policy";
import { WATCHTOWER_CONTAINER } from "../config/naming";

export interface AutoUpdaterArgs {
    readonly host: Host;
    readonly image: string;
    readonly memoryMb: number;
    readonly network: docker.Network;
    /** Six-field cron, seconds first. */
    readonly schedule: string;
    readonly scope: string;
}

/** Watchtower stops at once on SIGTERM; a short grace for an update it is in the middle of. */
export const AUTO_UPDATER_STOP_GRACE_SECONDS = 10;

export class AutoUpdater extends pulumi.ComponentResource {
    readonly container: docker.Container;

    constructor(name: string, args: AutoUpdaterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:AutoUpdater", args.host.name(name), {}, opts);
        this.container = coreContainer(this, {
            host: args.host,
            name: WATCHTOWER_CONTAINER,
            image: args.image,
            role: "auto-updater",
            // Root inside the container only to open the root-owned Docker socket; no capabilities.
            policy: containerPolicy({ memoryMb: args.memoryMb, tmpfs: { "/tmp": "rw,size=16m" } }),
            stopGraceSeconds: AUTO_UPDATER_STOP_GRACE_SECONDS,
            args: {
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
        }).container;
        this.registerOutputs({ container: this.container.name });
    }
}
