// Who may read the certificate files. nginx loads a certificate named by a variable at handshake,
// in a worker (the image's `nginx` user), not in the root master at (re)load: the worker must read
// the key. An ACL entry grants exactly that uid, and no group or other user (docs/proxy.md).

/** The `nginx` user of the official image and of local/nginx:1.30 (render/nginx/options.ts). */
export const NGINX_WORKER_UID = 101;

/**
 * Bash function `grant_nginx_read CERTS DOMAIN`: read for the worker's uid on the domain's files
 * (live/ and certbot's archive/), search on the folders above them, and a default ACL on the
 * archive folder so the keys certbot writes there on renewal are readable from their first byte
 * (certbot creates a new key with the old key's group bits, which keep the ACL mask open).
 * Files stay owned by the platform user; the owning group and others get nothing.
 */
export function grantNginxReadFunction(): string {
    const u = NGINX_WORKER_UID;
    return [
        "grant_nginx_read() {",
        '  local certs="$1" domain="$2" d',
        "  if ! command -v setfacl >/dev/null; then",
        // Docker Desktop's file sharing does not apply the Mac's permissions inside its VM.
        '    if [ "$(uname -s)" = Darwin ]; then return 0; fi',
        // An older server: cloud-init installed acl only on servers made after it joined the list.
        '    echo "setfacl not found: install the acl package, so nginx\'s workers (uid ' + u + ') can read the certificate key (docs/runbooks/upgrade-an-older-server.md)" >&2',
        "    return 1",
        "  fi",
        '  for d in "$certs" "$certs/live" "$certs/live/$domain" "$certs/archive" "$certs/archive/$domain"; do',
        `    if [ -d "$d" ]; then setfacl -m u:${u}:x "$d"; fi`,
        "  done",
        '  if [ -d "$certs/archive/$domain" ]; then',
        `    setfacl -d -m u::rw,u:${u}:r,g::-,o::- "$certs/archive/$domain"`,
        `    find "$certs/archive/$domain" -maxdepth 1 -type f -exec setfacl -m u:${u}:r,g::-,o::- {} +`,
        "  fi",
        `  find "$certs/live/$domain" -maxdepth 1 -type f -name '*.pem' -exec setfacl -m u:${u}:r,g::-,o::- {} +`,
        "}",
    ].join("\n");
}
