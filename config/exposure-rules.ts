// Rules for what the platform exposes or reaches beyond its apps: the status page's origin and its
// allow list, the published address, and where alerts may be sent. Docker's bridge networks and
// their gateways are never trusted: a connection Docker's userland proxy forwards (an IPv6 client
// to an IPv4 container, a process on the server) arrives from a gateway address.
import type { PlatformConfig } from "./schema";
import { opensToInternet, parseCidr } from "./admin-cidrs";
import { outboundHostProblem } from "./outbound-address";

type Add = (field: string, problem: string, got: unknown) => void;

/** The port nginx serves the status page's origin on inside its container (published as monitoring.page.port). */
export const STATUS_PAGE_CONTAINER_PORT = 8443;

/** Docker's default address pools and what custom pools use: the bridge networks and their gateways. */
export const DOCKER_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10"];

const BITS = { 4: 32, 6: 128 } as const;
/** An IPv4-mapped IPv6 range is the IPv4 range to nginx's allow rules. */
function asIPv4(c: NonNullable<ReturnType<typeof parseCidr>>) {
    const mapped = parseCidr("::ffff:0.0.0.0/96")!;
    if (c.family === 6 && c.bits >= 96 && c.first >> 32n === mapped.first >> 32n) return { family: 4 as const, bits: c.bits - 96, first: c.first & 0xffffffffn };
    return c;
}
/** Two ranges share an address: the shorter prefix's bits agree. */
function overlaps(a: string, b: string): boolean {
    const x = asIPv4(parseCidr(a)!), y = asIPv4(parseCidr(b)!);
    if (x.family !== y.family) return false;
    const shift = BigInt(BITS[x.family] - Math.min(x.bits, y.bits));
    return x.first >> shift === y.first >> shift;
}

/** The Docker range a CIDR shares addresses with, if any. */
export const dockerRangeOf = (cidr: string) => (parseCidr(cidr) ? DOCKER_RANGES.find((r) => overlaps(cidr, r)) : undefined);

export function exposureProblems(cfg: PlatformConfig, add: Add) {
    const bind = cfg.proxy.bindAddress;
    if (bind.includes(":"))
        add(
            "proxy.bindAddress",
            "is an IPv6 address: Docker forwards IPv6 connections to nginx's IPv4 address through its userland proxy, so every client would reach nginx from the network's gateway (one address for the whole internet in the logs, the rate limits and the status page's allow list); use 0.0.0.0 or one of the server's IPv4 addresses",
            bind,
        );
    const page = cfg.monitoring.page;
    if (cfg.monitoring.enabled && page.enabled) {
        // On the scaleway target server.adminCidrs already refuses private ranges (adminCidrProblem).
        if (cfg.target !== "scaleway")
            cfg.server.adminCidrs.forEach((cidr, i) => {
                const range = !opensToInternet(cidr) && dockerRangeOf(cidr);
                if (range)
                    add(`server.adminCidrs[${i}]`, `shares addresses with ${range}, where Docker's bridge networks and their gateways live: the status page would be open to every connection Docker's proxy forwards; give public addresses, or set monitoring.page.enabled: false`, cidr);
            });
        const taken: [number, string][] = [[cfg.proxy.httpPort, "proxy.httpPort"], [cfg.proxy.httpsPort, "proxy.httpsPort"]];
        const clash = taken.find(([p]) => p === page.port);
        if (clash) add("monitoring.page.port", `equals ${clash[1]}: the status page has an origin of its own, on a port no app is served on; pick another such as 9443`, page.port);
    }
    if (cfg.proxy.statusPort === STATUS_PAGE_CONTAINER_PORT)
        add("proxy.statusPort", `collides with the status page's port ${STATUS_PAGE_CONTAINER_PORT} inside nginx's container; pick another such as 8081`, cfg.proxy.statusPort);
    if (cfg.server.count > 1 && cfg.loadBalancer.backendPort === STATUS_PAGE_CONTAINER_PORT)
        add("loadBalancer.backendPort", `collides with the status page's port ${STATUS_PAGE_CONTAINER_PORT} inside nginx's container; pick another such as 8080`, cfg.loadBalancer.backendPort);
    const e = cfg.monitoring.alerts.email;
    if (cfg.target === "scaleway" && e.enabled && e.host) {
        const problem = outboundHostProblem(e.host);
        if (problem) add("monitoring.alerts.email.host", problem, e.host);
    }
}
