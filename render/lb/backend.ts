// How the load balancer treats the app servers, as plain data: the Scaleway backend's settings and
// the HAProxy stand-in's (render/lb/haproxy.ts) come from this one place, so the stand-in the tests
// run checks, drains and forwards exactly as the production load balancer is told to.
import type { PlatformConfig } from "../../config/schema";

/** nginx's answer to the load balancer's check: 200 while the server is in service. */
export const LB_HEALTH_PATH = "/health";
/**
 * While this file exists (under the platform root) nginx answers the load balancer's check with
 * 503, so the load balancer stops sending new connections to the server after `retries` checks:
 * how a server is taken out of the pool by hand (docs/runbooks/take-a-server-out-of-the-pool.md).
 * Releases never need it: the marker switch drops no request (docs/multi-server.md).
 */
export const OUT_OF_POOL_FILE = "nginx-upstreams/out-of-pool";

export interface BackendSettings {
    /** Port nginx serves the load balancer on (HTTP, PROXY protocol v2 first). */
    readonly port: number;
    readonly healthPath: string;
    readonly delaySeconds: number;
    readonly timeoutSeconds: number;
    /** Failed checks in a row before a server leaves the pool. */
    readonly retries: number;
    /** Seconds a server may take to answer a request: the longest app read timeout, plus nginx's margin. */
    readonly serverTimeoutSeconds: number;
    /** Seconds to open a connection to a server. */
    readonly connectTimeoutSeconds: number;
}

/** nginx's own timeouts end first, so the client gets nginx's 504 and not a cut connection. */
const SERVER_TIMEOUT_MARGIN_SECONDS = 5;

export function backendSettings(cfg: PlatformConfig): BackendSettings {
    const lb = cfg.loadBalancer;
    const longest = Math.max(60, ...cfg.apps.map((a) => a.proxy.readTimeoutSeconds));
    return {
        port: lb.backendPort,
        healthPath: LB_HEALTH_PATH,
        delaySeconds: lb.healthCheck.delaySeconds,
        timeoutSeconds: lb.healthCheck.timeoutSeconds,
        retries: lb.healthCheck.retries,
        serverTimeoutSeconds: longest + SERVER_TIMEOUT_MARGIN_SECONDS,
        connectTimeoutSeconds: 5,
    };
}

/** Seconds from a server's first failed check to its removal from the pool, at most. */
export const secondsToLeavePool = (b: BackendSettings) => b.retries * b.delaySeconds + b.timeoutSeconds;
