// nginx behind the load balancer (server.count > 1): a listener on the server's private address
// that takes HTTP from the load balancer, each connection opened by a PROXY protocol v2 header
// with the client's address. Only the load balancer's own private addresses may say who the
// client is (the realip module); anyone else's header is ignored and the peer is logged.
// TLS ends at the load balancer, so the apps are told the scheme was https (http while it has no certificate).
import type { PlatformConfig } from "../../config/schema";
import { headersSnippet } from "./headers";
import { OUT_OF_POOL_FILE, LB_HEALTH_PATH } from "../lb/backend";
import { UPSTREAMS_DIR } from "./layout";
import { REUSEPORT } from "./listen";

export const LB_SERVERS_FILE = "servers/load-balancer.conf";
/** The scheme the client used, as apps are told it (X-Forwarded-Proto). */
export const FORWARDED_PROTO = "$platform_forwarded_proto";

export interface LoadBalancerListener {
    /** Port nginx listens on for the load balancer (loadBalancer.backendPort). */
    readonly port: number;
    /** The load balancer's private addresses (or ranges): the only peers whose PROXY header counts. */
    readonly trusted: readonly string[];
}

/**
 * The scheme on the listener's port: https when the load balancer ends TLS and redirects plain HTTP
 * itself (loadBalancer.letsEncrypt); http while it has no certificate and port 80 serves the site,
 * so an app never marks a cookie Secure or builds https links for a request that came in clear.
 */
export const forwardedProtoMap = (port: number, scheme: "https" | "http") => `map $server_port ${FORWARDED_PROTO} {
    ${port} ${scheme};
    default $scheme;
}
`;

const ADDRESS = /^[0-9a-fA-F:.]+(\/[0-9]{1,3})?$/;

export function loadBalancerServers(cfg: PlatformConfig, lb: LoadBalancerListener, upstreamsDir: string): string {
    if (!lb.trusted.length) throw new Error("the load balancer listener needs the load balancer's private addresses");
    for (const a of lb.trusted) if (!ADDRESS.test(a)) throw new Error(`not an address or range: ${JSON.stringify(a)}`);
    const realIp = [...lb.trusted.map((a) => `set_real_ip_from ${a};`), "real_ip_header proxy_protocol;"];
    const outOfPool = `${upstreamsDir}/${OUT_OF_POOL_FILE.slice(UPSTREAMS_DIR.length + 1)}`;
    const indent = (lines: string[]) => lines.map((l) => (l ? `    ${l}` : l)).join("\n");
    const primary = [
        `listen ${lb.port} proxy_protocol default_server ${REUSEPORT};`,
        `server_name ${cfg.domain};`,
        ...realIp,
        `include ${headersSnippet()};`,
        // The load balancer's check: 503 while the server is taken out of the pool by hand.
        `location = ${LB_HEALTH_PATH} {`,
        "    access_log off;",
        "    default_type text/plain;",
        `    if (-f ${outOfPool}) {`,
        '        return 503 "out of pool\\n";',
        "    }",
        '    return 200 "ok\\n";',
        "}",
        "include routes/*.conf;",
        "location / {",
        "    return 404;",
        "}",
    ];
    const aliases = cfg.aliases.length
        ? [`listen ${lb.port} proxy_protocol;`, `server_name ${cfg.aliases.join(" ")};`, ...realIp, `include ${headersSnippet()};`, `return 301 https://${cfg.domain}$request_uri;`]
        : undefined;
    return [
        "# The load balancer's listener: HTTP on the private network, PROXY protocol v2 first.",
        `server {\n${indent(primary)}\n}\n`,
        ...(aliases ? [`server {\n${indent(aliases)}\n}\n`] : []),
    ].join("\n");
}
