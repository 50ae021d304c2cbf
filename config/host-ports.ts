// Ports the server itself uses: a port the platform listens or publishes on must be none of them,
// or its listener takes over another service's port, fails to bind, or Docker publishes over it.

/** Well-known listeners on a platform server, with who holds each (render/monitoring/exporters.ts has the exporters'). */
export const HOST_PORTS: Readonly<Record<number, string>> = {
    22: "SSH",
    53: "the DNS resolver (systemd-resolved)",
    80: "nginx's HTTP",
    443: "nginx's HTTPS",
    2375: "Docker's API",
    2376: "Docker's API over TLS",
    2377: "Docker swarm",
    4789: "Docker's overlay network",
    5432: "PostgreSQL",
    7946: "Docker's network gossip",
    9100: "the node exporter",
    9113: "the nginx exporter",
    9187: "the PostgreSQL exporter",
};

/** Below this, ports belong to system services: a listener of the platform's own takes one above. */
export const FIRST_FREE_PORT = 1024;

/**
 * Why a listener of the platform's own (loadBalancer.backendPort, a local server's published port)
 * cannot be `port`, or undefined: a system port, or one the server already uses.
 */
export function listenerPortProblem(port: number): string | undefined {
    const who = HOST_PORTS[port];
    if (who) return `is the port of ${who} on the server; the listener would take it over or fail to start: pick a free port of ${FIRST_FREE_PORT} or above, such as 8080`;
    if (port < FIRST_FREE_PORT) return `is a system port (below ${FIRST_FREE_PORT}); pick a free port of ${FIRST_FREE_PORT} or above, such as 8080`;
    return undefined;
}

/** Why a port published on the host (proxy.httpPort, proxy.httpsPort) cannot be `port`: another service's. */
export function publishedPortProblem(port: number): string | undefined {
    const who = port === 80 || port === 443 ? undefined : HOST_PORTS[port];
    return who ? `is the port of ${who} on the server; Docker would publish nginx over it: use 80 and 443 (or free ports such as 8080 and 8443 on the local target)` : undefined;
}
