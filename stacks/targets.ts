// Composition per target: where the servers are and how the program reaches them.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalHost } from "../components/host";
import { Server } from "../components/server";
import { PrivateNetwork, regionOf } from "../components/private-network";
import { ManagedDatabase } from "../components/managed-database";
import { LoadBalancer } from "../components/load-balancer";
import { LocalManagedDatabase } from "../components/local-managed-database";
import { buildPlatform, Platform, PlatformSecrets } from "./platform";
import { backendSettings } from "../render/lb/backend";
import { serverSuffix } from "../config/naming";
import { rollouts } from "./rollouts";
import { firstServerPublic } from "./lb-phase";
import type { PlatformConfig } from "../config/schema";
import type { Releases } from "./platform";
import { statusPageAdmins, statusPageEnabled } from "../render/nginx/status-page";

export interface Deployment {
    /** The first server's platform. */
    readonly platform: Platform;
    /** Every server's, the first one first. */
    readonly platforms: readonly Platform[];
    /** Where the domain points: the server's public IP, the load balancer's with several (127.0.0.1 on the local target). */
    readonly address: pulumi.Output<string>;
    readonly server?: Server;
    readonly servers?: readonly Server[];
    readonly loadBalancer?: LoadBalancer;
}

/** The local Docker engine; a folder of this machine stands in for /opt/platform. */
export function deployLocal(cfg: PlatformConfig, releases: Releases, projectDir = process.cwd(), secrets: PlatformSecrets = {}, managedAdminPassword?: pulumi.Output<string>): Deployment {
    if (cfg.server.count > 1 || cfg.database.managed.enabled) return deployLocalFleet(cfg, releases, projectDir, secrets, managedAdminPassword!);
    const host = new LocalHost(path.resolve(projectDir, cfg.local.dataDir));
    const platform = buildPlatform({ cfg, host, releases, secrets });
    return { platform, platforms: [platform], address: pulumi.output("127.0.0.1") };
}

function serverArgs(cfg: PlatformConfig) {
    const s = cfg.server;
    return {
        zone: s.zone,
        type: s.type,
        image: s.image,
        rootVolumeGb: s.rootVolumeGb,
        deployUser: s.deployUser,
        sshPublicKey: s.sshPublicKey!, // required on this target by validation
        adminCidrs: s.adminCidrs,
        hostSshRule: s.hostSshRule,
        rootHelperImage: cfg.images.nginx, // pinned by preflight
        statusPage: statusPageEnabled(cfg) ? { port: cfg.monitoring.page.port, cidrs: statusPageAdmins(cfg) } : undefined,
    };
}

/**
 * Tests only: several servers on this machine, each a Docker engine of its own (local.servers),
 * with a PostgreSQL elsewhere standing in for the managed database (local.managedDatabase). The
 * load balancer's stand-in (HAProxy, render/lb/haproxy.ts) is run by the tests in front of them.
 */
function deployLocalFleet(cfg: PlatformConfig, releases: Releases, projectDir: string, secrets: PlatformSecrets, managedAdminPassword: pulumi.Output<string>): Deployment {
    const several = cfg.server.count > 1;
    const specs = several ? cfg.local.servers : [{ dataDir: cfg.local.dataDir, dockerHost: undefined, backendPort: cfg.loadBalancer.backendPort }];
    const hosts = specs.map((s, i) => new LocalHost(path.resolve(projectDir, s.dataDir), undefined, serverSuffix(i + 1), s.dockerHost));
    const m = cfg.local.managedDatabase;
    const managed =
        cfg.database.managed.enabled && m
            ? new LocalManagedDatabase("managed-database", {
                  host: hosts[0],
                  server: { host: m.host, port: m.port, adminUser: m.adminUser, caFile: m.caFile },
                  adminPassword: managedAdminPassword,
                  apps: cfg.apps.filter((a) => a.database).map((a) => a.name),
                  sharedDb: cfg.database.sharedDb,
                  sharedDbGrants: cfg.database.sharedDbGrants,
              })
            : undefined;
    const platforms = hosts.map((host, index) =>
        buildPlatform({
            cfg,
            host,
            releases,
            secrets,
            role: {
                index,
                managed,
                loadBalancer: several ? { port: cfg.loadBalancer.backendPort, publishedPort: specs[index].backendPort, bindAddress: "127.0.0.1", trusted: cfg.local.loadBalancerAddresses } : undefined,
                phased: several,
            },
        }),
    );
    if (several) rollouts(cfg, platforms, hosts.map((host, i) => ({ host, label: `server ${i + 1} (${specs[i].dockerHost})` })));
    return { platform: platforms[0], platforms, address: pulumi.output("127.0.0.1") };
}

/** A Scaleway server reached over SSH with the deploy key in the ssh-agent (stacks/preflight.ts checks it). */
export function deployScaleway(cfg: PlatformConfig, releases: Releases, secrets: PlatformSecrets = {}): Deployment {
    if (cfg.server.count > 1 || cfg.database.managed.enabled) return deployFleet(cfg, releases, secrets);
    const server = new Server("server", { ...serverArgs(cfg), existingHostKey: cfg.server.hostKeys[0] });
    const platform = buildPlatform({ cfg, host: server.host, releases, secrets });
    return { platform, platforms: [platform], address: server.publicIp, server, servers: [server] };
}

/** Servers being removed (docs/runbooks/remove-a-server.md): out of the pool, protection lifted. */
const retiring = (cfg: PlatformConfig, k: number) => cfg.server.retire.includes(k);

/** The servers, built alike on the private network; the first one's firewall and SSH key shared. */
function fleetServers(cfg: PlatformConfig, privateNetworkId: pulumi.Input<string>): Server[] {
    // Open to the web with one server, and while server 1 still serves the internet (stacks/lb-phase.ts).
    const publicWeb = cfg.server.count === 1 || firstServerPublic(cfg);
    const servers: Server[] = [];
    for (let k = 1; k <= cfg.server.count; k++) {
        const suffix = serverSuffix(k);
        const first = servers[0];
        servers.push(
            new Server(`server${suffix}`, {
                ...serverArgs(cfg),
                privateNetworkId,
                publicWeb,
                // The status page's own origin is not published behind the load balancer (components/proxy.ts).
                ...(publicWeb ? {} : { statusPage: undefined }),
                shared: first && { securityGroup: first.securityGroup, sshKey: first.sshKey },
                hostSuffix: suffix,
                protect: !retiring(cfg, k),
                existingHostKey: cfg.server.hostKeys[k - 1],
            }),
        );
    }
    return servers;
}

/**
 * Several servers behind the load balancer, or one, on a private network with the managed
 * database. Server 1 keeps the names a single server always had; server k's resources end in -sk.
 */
function deployFleet(cfg: PlatformConfig, releases: Releases, secrets: PlatformSecrets): Deployment {
    const region = regionOf(cfg.server.zone);
    const network = new PrivateNetwork("private-network", { region });
    const behindLb = cfg.server.count > 1;
    // Until loadBalancer.phase is done server 1 serves the internet as it did alone (stacks/lb-phase.ts).
    const firstPublic = firstServerPublic(cfg);
    const servers = fleetServers(cfg, network.network.id);
    const managed = cfg.database.managed.enabled
        ? new ManagedDatabase("managed-database", {
              config: cfg.database.managed,
              region,
              privateNetworkId: network.network.id,
              apps: cfg.apps.filter((a) => a.database).map((a) => a.name),
              sharedDb: cfg.database.sharedDb,
              sharedDbGrants: cfg.database.sharedDbGrants,
          })
        : undefined;
    const backend = backendSettings(cfg);
    const loadBalancer = behindLb
        ? new LoadBalancer("load-balancer", {
              zone: cfg.server.zone,
              type: cfg.loadBalancer.type,
              privateNetworkId: network.network.id,
              backend,
              domain: cfg.domain,
              aliases: cfg.aliases,
              letsEncrypt: cfg.loadBalancer.letsEncrypt,
          })
        : undefined;
    // Server 1 keeps its public nginx ports and its own certificate while it serves the internet.
    const behindLoadBalancer = (index: number) => !!loadBalancer && !(index === 0 && firstPublic);
    const platforms = servers.map((server, index) =>
        buildPlatform({
            cfg,
            host: server.host,
            releases,
            secrets,
            role: { index, managed, loadBalancer: behindLoadBalancer(index) ? { port: backend.port, bindAddress: server.privateIp!, trusted: loadBalancer!.privateAddresses } : undefined, phased: behindLb },
        }),
    );
    if (loadBalancer) {
        const released = rollouts(cfg, platforms, servers.map((s, i) => ({ host: s.host, label: pulumi.interpolate`server ${i + 1} (${s.publicIp})` })));
        const inPool = (i: number) => !retiring(cfg, i + 1) && behindLoadBalancer(i);
        const pool = servers.filter((_, i) => inPool(i)).map((s) => s.privateIp!);
        // And each pooled server's nginx answering (the releases wait only for its holder): at phase
        // done server 1's nginx is replaced in the up that adds it to the pool.
        const serving = platforms.filter((_, i) => inPool(i)).map((p) => p.proxy.ready);
        const server1 = { address: servers[0].privateIp!, httpPort: cfg.proxy.httpPort, httpsPort: cfg.proxy.httpsPort };
        loadBalancer.serve(pool, [...released, ...serving], cfg.loadBalancer.phase === "dns" ? server1 : undefined);
    }
    return { platform: platforms[0], platforms, address: loadBalancer?.publicIp ?? servers[0].publicIp, server: servers[0], servers, loadBalancer };
}
