// TLS for the HTTPS servers: Mozilla's "intermediate" profile (TLS 1.2 + 1.3) complete, with the
// ffdhe2048 group for its DHE suites, and session settings. No OCSP stapling: nginx staples only
// certificates it loads at (re)load, not those named by variables, and Let's Encrypt no longer runs
// OCSP responders (2025), so it stapled nothing for the platform's certificates anyway.
// The certificate and key are named through variables, so nginx's workers load them per handshake
// from a cache that notices a renewed file by itself: a renewal needs no reload (docs/proxy.md).
import { certFiles } from "./layout";

export const TLS_SNIPPET = "snippets/tls.conf";
/** http-level maps naming the certificate files (conf.d/ is included by nginx.conf; `_` is no app name). */
export const TLS_CERT_MAP = "conf.d/_tls-certificate.conf";
/**
 * How long a worker serves a loaded certificate before it checks the file (mtime and inode) again:
 * a renewed certificate is served within this, and unchanged files are never read twice.
 */
export const CERT_CACHE_VALID_SECONDS = 10;
/** Certificates and keys a worker keeps: one domain's pair, with room for both while they change. */
export const CERT_CACHE_MAX = 8;
/** Relative to the nginx folder, like includes: the staged and the live config each read their own. */
export const DHPARAM_FILE = "tls/ffdhe2048.pem";

/**
 * RFC 7919's ffdhe2048 group, as Mozilla's intermediate profile ships it for the DHE suites (its
 * ffdhe2048.txt; `openssl pkeyparam -text` names it GROUP: ffdhe2048). A well-known group, not a
 * secret: generating our own would be slower and no safer.
 */
export const FFDHE2048 = `-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
`;

// https://ssl-config.mozilla.org/ intermediate, v5.7.
export const MOZILLA_INTERMEDIATE_CIPHERS = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "DHE-RSA-AES128-GCM-SHA256",
    "DHE-RSA-AES256-GCM-SHA384",
    "DHE-RSA-CHACHA20-POLY1305",
].join(":");

/**
 * Constant paths as variables. nginx loads a certificate named by a variable at each handshake (a
 * static one only when it reloads); a map is evaluated at the handshake, where `set` is not (it
 * runs per request). The key is then read by a worker, not the root master: see cert-access.ts.
 */
export function tlsCertMap(certsDir: string, domain: string): string {
    const cert = certFiles(certsDir, domain);
    return `map $ssl_server_name $platform_tls_certificate {
    default "${cert.fullchain}";
}
map $ssl_server_name $platform_tls_certificate_key {
    default "${cert.privkey}";
}
`;
}

export function tlsSnippet(): string {
    return `ssl_certificate $platform_tls_certificate;
ssl_certificate_key $platform_tls_certificate_key;
# Loaded once per worker, then checked every ${CERT_CACHE_VALID_SECONDS}s: a changed file (certbot swaps its live/ links) is
# loaded by the next handshake after that, an unchanged one is not read again.
ssl_certificate_cache max=${CERT_CACHE_MAX} valid=${CERT_CACHE_VALID_SECONDS}s inactive=1h;
ssl_protocols TLSv1.2 TLSv1.3;
ssl_ecdh_curve X25519:prime256v1:secp384r1;
ssl_ciphers ${MOZILLA_INTERMEDIATE_CIPHERS};
# The DHE suites use this group; without it nginx would not offer them at all.
ssl_dhparam ${DHPARAM_FILE};
ssl_prefer_server_ciphers off;
ssl_session_timeout 1d;
ssl_session_cache shared:platform_tls:10m;
# Tickets off: their keys never rotate without a restart, which would undo forward secrecy.
ssl_session_tickets off;
`;
}

/** The TLS files of the nginx folder: the snippet and the DH group it names. */
export function tlsFiles(certsDir: string, domain: string): { path: string; content: string }[] {
    return [
        { path: TLS_SNIPPET, content: tlsSnippet() },
        { path: TLS_CERT_MAP, content: tlsCertMap(certsDir, domain) },
        { path: DHPARAM_FILE, content: FFDHE2048 },
    ];
}
