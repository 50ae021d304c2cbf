// Composition per target: where the server is and how the program reaches it.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalHost } from "../components/host";
import { Server } from "../components/server";
import { buildPlatform, Platform, PlatformSecrets } from "./platform";
import type { PlatformConfig } from "../config/schema";
import type { Releases } from "./platform";

export interface Deployment {
    readonly platform: Platform;
    /** Public address of the server (127.0.0.1 on the local target). */
    readonly address: pulumi.Output<string>;
    readonly server?: Server;
}

/** The local Docker engine; a folder of this machine stands in for /opt/platform. */
export function deployLocal(cfg: PlatformConfig, releases: Releases, projectDir = process.cwd(), secrets: PlatformSecrets = {}): Deployment {
    const host = new LocalHost(path.resolve(projectDir, cfg.local.dataDir));
    return { platform: buildPlatform(cfg, host, releases, undefined, secrets), address: pulumi.output("127.0.0.1") };
}

/** A Scaleway server reached over SSH: the ssh-agent's key, or `sshPrivateKey` (secret) without one. */
export function deployScaleway(cfg: PlatformConfig, releases: Releases, sshPrivateKey: pulumi.Output<string> | undefined, secrets: PlatformSecrets = {}): Deployment {
    const s = cfg.server;
    const server = new Server("server", {
        zone: s.zone,
        type: s.type,
        image: s.image,
        rootVolumeGb: s.rootVolumeGb,
        deployUser: s.deployUser,
        sshPublicKey: s.sshPublicKey!, // required on this target by validation
        sshPrivateKey,
        adminCidrs: s.adminCidrs,
    });
    return { platform: buildPlatform(cfg, server.host, releases, undefined, secrets), address: server.publicIp, server };
}
