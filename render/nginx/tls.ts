// TLS for the HTTPS servers: Mozilla's "intermediate" profile (TLS 1.2 + 1.3), session settings,
// OCSP stapling. Stapling only acts when the certificate names a responder: a no-op (with a warning
// at `nginx -t`) for the bootstrap self-signed certificate.
import { certFiles } from "./layout";

export const TLS_SNIPPET = "snippets/tls.conf";

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

/** OCSP responders are looked up through the http block's resolver (config.ts). */
export function tlsSnippet(certsDir: string, domain: string): string {
    const cert = certFiles(certsDir, domain);
    return `ssl_certificate ${cert.fullchain};
ssl_certificate_key ${cert.privkey};
ssl_protocols TLSv1.2 TLSv1.3;
ssl_ecdh_curve X25519:prime256v1:secp384r1;
ssl_ciphers ${MOZILLA_INTERMEDIATE_CIPHERS};
ssl_prefer_server_ciphers off;
ssl_session_timeout 1d;
ssl_session_cache shared:platform_tls:10m;
# Tickets off: their keys never rotate without a restart, which would undo forward secrecy.
ssl_session_tickets off;
ssl_stapling on;
ssl_stapling_verify on;
ssl_trusted_certificate ${cert.fullchain};
`;
}
