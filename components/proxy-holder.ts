// mhylle-nginx, the holder of nginx's network namespace (components/proxy.ts): it publishes the
// ports and joins nginx's network and the app networks, and runs only a sleep. The nginx servers
// run in its namespace, so one can start beside another; the holder itself never changes with
// nginx's image: replacing it would close every connection, which is what this design avoids.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Host } from "./host";
import { coreContainer, CoreContainerArgs } from "./core-container";
import { containerPolicy } from "../render/container-policy";
import { NGINX_CONTAINER, NGINX_HOLDER_ROLE } from "../config/naming";
import { HOLDER_MEMORY_MB } from "../config/core-memory";

export interface ProxyHolderArgs {
    readonly host: Host;
    /** nginx's image, for its first creation only: it needs `sleep`, and curl for the probes that run `docker exec mhylle-nginx curl` against 127.0.0.1 (nginx's namespace). */
    readonly image: string;
    readonly ports: CoreContainerArgs["ports"];
    readonly network: docker.Network;
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

export function proxyHolder(parent: pulumi.Resource, a: ProxyHolderArgs): { container: docker.Container; ready: pulumi.Resource } {
    return coreContainer(parent, {
        host: a.host,
        name: NGINX_CONTAINER,
        image: a.image,
        keepImage: true,
        role: NGINX_HOLDER_ROLE,
        policy: containerPolicy({ memoryMb: HOLDER_MEMORY_MB, tmpfs: {} }),
        stopGraceSeconds: 10,
        args: {
            command: ["sleep", "infinity"],
            // tini ends the sleep on SIGTERM; sleep as PID 1 would ignore it.
            init: true,
            ports: a.ports,
            // A closing nginx's queued connections move to the other nginx's sockets instead of being
            // reset (a per-namespace setting; Linux 5.14+).
            sysctls: { "net.ipv4.tcp_migrate_req": "1" },
            // App networks are joined by each app's command (a change here would replace the holder);
            // upstreams resolve through Docker's DNS, so nginx starts before it joins them.
            networksAdvanced: [{ name: a.network.name }],
        },
        dependsOn: a.dependsOn,
    });
}
