// What the rendered nginx config depends on besides stack config: paths and ports as nginx sees
// them. Production values by default; tests pass host folders and high ports to run a real nginx.
import type { PlatformConfig } from "../../config/schema";
import { CONTAINER_PORTS, DOCKER_RESOLVER, IN_CONTAINER, NginxPaths, PID_FILE } from "./layout";
import type { LoadBalancerListener } from "./load-balancer";

export interface NginxRenderOptions {
    readonly paths: NginxPaths;
    /** Ports nginx listens on. */
    readonly listen: { readonly http: number; readonly https: number; readonly status: number; readonly statusPage: number };
    /** HTTPS port clients use (the published one), for redirects. */
    readonly publicHttpsPort: number;
    readonly pidFile: string;
    /** DNS resolver: upstream slots through Docker's DNS. */
    readonly resolver: string;
    /** `user` directive; undefined keeps the image's compiled default (nginx in the official image). */
    readonly user?: string;
    readonly workerProcesses?: number | "auto";
    /** Behind the load balancer (server.count > 1): its listener. */
    readonly loadBalancer?: LoadBalancerListener;
}

export function productionOptions(cfg: PlatformConfig): NginxRenderOptions {
    return {
        paths: IN_CONTAINER,
        listen: { ...CONTAINER_PORTS, status: cfg.proxy.statusPort },
        publicHttpsPort: cfg.proxy.httpsPort,
        pidFile: PID_FILE,
        resolver: DOCKER_RESOLVER,
        // The official image and the local Debian-built one both have this user (uid 101).
        user: "nginx",
    };
}
