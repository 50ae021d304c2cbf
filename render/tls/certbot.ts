// What issuance and renewal share: where certbot keeps its state, how it runs on the server, how
// nginx picks up a new certificate, and the lock that keeps two certificate operations apart.
import { CERTBOT_VOLUME, NGINX_CONTAINER } from "../../config/naming";
import { shq } from "../shell";
import { CERTS_DIR, IN_CONTAINER, NginxPaths, mainConfig } from "../nginx/layout";
import { nginxControl } from "../nginx/control";
import { grantNginxReadFunction } from "../nginx/cert-access";

/** certbot's config dir is the certs folder nginx mounts: lineages land at certs/live/<domain>/. */
export const LETSENCRYPT_DIR = CERTS_DIR;
/** certbot's work and log dirs, outside the certs folder so backups hold only certificates. */
export const CERTBOT_STATE_DIR = "state/certbot";
/** Tarballs of the certs folder, taken before each renewal. */
export const CERT_BACKUPS_DIR = "backups/certs";
/** Where issuance keeps the bootstrap certificate while certbot creates the lineage. */
export const BOOTSTRAP_ASIDE_DIR = "state/bootstrap-cert";
export const CERTS_LOCK = "state/certs.lock";

export const ACME_DIRECTORIES = {
    production: "https://acme-v02.api.letsencrypt.org/directory",
    staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
} as const;

/** The ACME directory URL for config's `acme.directory`. */
export function acmeDirectoryUrl(directory: string): string {
    return directory === "production" || directory === "staging" ? ACME_DIRECTORIES[directory] : directory;
}

export interface TlsInput {
    /** Platform root on the server. */
    readonly root: string;
    /** Primary domain: the lineage's name and the first name of the certificate. */
    readonly domain: string;
    readonly aliases: readonly string[];
    /** Pinned certbot image, e.g. certbot/certbot:v3.3.0. */
    readonly certbotImage: string;
    /**
     * Folders as nginx sees them. certbot writes challenges to `acmeWebroot`: the certbot-data
     * volume sits at the same path in both containers. @default IN_CONTAINER
     */
    readonly paths?: NginxPaths;
}

export const allDomains = (t: TlsInput) => [t.domain, ...t.aliases];

/**
 * Bash: variables (root, domain, certs, live, renewal_conf, image), the shared nginx control
 * functions (nginx_lock, ...: render/nginx/nginx-control.sh) and take_lock, run_certbot,
 * reload_nginx, grant_nginx_read (render/nginx/cert-access.ts) and fingerprint.
 *
 * Tests set CERTBOT to a certbot command line on their machine, so that this very script runs
 * against Pebble; on the server certbot runs in its pinned image.
 */
export function certbotPrelude(t: TlsInput): string {
    const paths = t.paths ?? IN_CONTAINER;
    const work = `${t.root}/${CERTBOT_STATE_DIR}`;
    return [
        `root=${shq(t.root)}`,
        `domain=${shq(t.domain)}`,
        `certs="$root/${LETSENCRYPT_DIR}"`,
        'live="$certs/live/$domain"',
        'renewal_conf="$certs/renewal/$domain.conf"',
        `image=${shq(t.certbotImage)}`,
        // Private keys live under $certs and in the backups: nothing this script creates is world-readable.
        "umask 077",
        `mkdir -p "$certs" ${shq(work + "/work")} ${shq(work + "/logs")} "$root/state"`,
        "",
        "take_lock() {",
        `  exec 8>"$root/${CERTS_LOCK}"`,
        // Issuance, renewal and a manual run must never move the same files at once.
        '  flock -w 900 8 || { echo "another certificate operation still holds $root/' + CERTS_LOCK + '" >&2; exit 1; }',
        "}",
        "",
        // nginx_lock is the lock config delivery takes too: no reload between its `nginx -t` and
        // reload, and no bootstrap certificate recreated while issuance has it aside.
        nginxControl(t.root),
        "",
        "run_certbot() {",
        '  if [ -n "${CERTBOT:-}" ]; then',
        "    local cmd",
        '    read -r -a cmd <<<"$CERTBOT"',
        '    "${cmd[@]}" "$@"',
        "    return",
        "  fi",
        // Docker creates the volume owned by root; certbot runs as this user so its files stay ours.
        `  docker run --rm --user 0:0 --entrypoint chown -v ${CERTBOT_VOLUME}:${IN_CONTAINER.acmeWebroot} "$image" -R "$(id -u):$(id -g)" ${IN_CONTAINER.acmeWebroot}`,
        '  docker run --rm --user "$(id -u):$(id -g)" \\',
        '    -v "$certs:/etc/letsencrypt" \\',
        `    -v ${shq(work + "/work")}:/var/lib/letsencrypt \\`,
        `    -v ${shq(work + "/logs")}:/var/log/letsencrypt \\`,
        `    -v ${CERTBOT_VOLUME}:${IN_CONTAINER.acmeWebroot} \\`,
        '    "$image" "$@"',
        "}",
        "",
        grantNginxReadFunction(),
        "",
        "reload_nginx() {",
        "  if ! nginx_running; then",
        `    echo "${NGINX_CONTAINER} is not running; it loads the certificate when it starts"`,
        "    return 0",
        "  fi",
        `  nginx_reload ${shq(mainConfig(paths.config))} "nginx -t failed, so nginx was not reloaded and keeps serving its current certificate:"`,
        "}",
        "",
        // Content hash of the chain nginx serves: a renewal that changed nothing reloads nothing.
        "fingerprint() {",
        '  if [ -r "$live/fullchain.pem" ]; then sha256sum <"$live/fullchain.pem" | cut -c1-64; else echo none; fi',
        "}",
    ].join("\n");
}
