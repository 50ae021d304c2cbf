// The load balancer's stand-in for tests and the bench: HAProxy (Debian's), told exactly what the
// Scaleway backend is told (backend.ts): TLS ended at the front, port 80 redirected to HTTPS, the
// servers checked with GET /health every delaySeconds, timeoutSeconds each, out after `retries`
// failures, and every connection opened with a PROXY protocol v2 header (the checks' too).
import type { BackendSettings } from "./backend";

export interface HaproxyInput {
    readonly backend: BackendSettings;
    /** host:port of each server's nginx listener, in server order. */
    readonly servers: readonly string[];
    /** Addresses HAProxy listens on: host:port. */
    readonly http: string;
    readonly https: string;
    /** PEM with the certificate and its key (the stand-in's TLS, self-signed in tests). */
    readonly certificate: string;
}

const httpsSuffix = (address: string) => (address.endsWith(":443") ? "" : `:${address.split(":").pop()}`);

export function haproxyConfig(h: HaproxyInput): string {
    const b = h.backend;
    // Scaleway takes a server back after its checks pass again; HAProxy's `rise` says how many: as many as it takes to fail.
    const check = `check inter ${b.delaySeconds}s fall ${b.retries} rise ${b.retries} send-proxy-v2 check-send-proxy`;
    return `# Generated from the platform's load balancer settings (render/lb/backend.ts).
global
    maxconn 4000

defaults
    mode http
    timeout connect ${b.connectTimeoutSeconds}s
    timeout client ${b.serverTimeoutSeconds}s
    timeout server ${b.serverTimeoutSeconds}s
    timeout check ${b.timeoutSeconds}s
    timeout http-keep-alive 65s

frontend http
    bind ${h.http}
    # To the HTTPS frontend's port (no port for 443), the path and query kept.
    http-request redirect code 301 location https://%[req.hdr(host),regsub(:[0-9]+$,)]${httpsSuffix(h.https)}%[capture.req.uri]

frontend https
    bind ${h.https} ssl crt ${h.certificate} alpn h2,http/1.1
    default_backend app-servers

backend app-servers
    balance roundrobin
    option httpchk
    http-check send meth GET uri ${b.healthPath}
    http-check expect status 200
${h.servers.map((s, i) => `    server server-${i + 1} ${s} ${check}`).join("\n")}
`;
}
