// Bash that puts a new nginx config live without a restart: stage, `nginx -t`, swap, reload.
// A config that fails `nginx -t` never reaches the live folder; nginx keeps serving the old one,
// and the script fails with nginx's own message (so `pulumi up` fails with it).
import { STATUS_PAGE_DIR } from "../monitoring/layout";
import { installBundleScript } from "../bundle";
import { script, shq } from "../shell";
import { nginxControl } from "./control";
import { grantNginxReadFunction } from "./cert-access";
import { CERTS_DIR, IN_CONTAINER, NGINX_BACKUP_DIR, NGINX_DIR, NGINX_LOGS_DIR, NGINX_STAGING_DIR, NginxPaths, UPSTREAMS_DIR, certLiveDir, mainConfig } from "./layout";

/** Marks a bootstrap certificate, so certificate issuance knows it may replace the folder. */
export const BOOTSTRAP_MARKER = "BOOTSTRAP-SELF-SIGNED";

export interface DeliverOptions {
    /** Names of the bootstrap certificate: the primary domain first. */
    readonly domains: readonly string[];
    /** Folders as nginx sees them. @default IN_CONTAINER */
    readonly paths?: NginxPaths;
}

/** Self-signed certificate so nginx starts (and `nginx -t` passes) before Let's Encrypt issues one. */
function bootstrapCertificate(root: string, domains: readonly string[]): string[] {
    const dir = certLiveDir(`${root}/${CERTS_DIR}`, domains[0]);
    const san = domains.map((d) => `DNS:${d}`).join(",");
    // Host openssl: the container cannot run before its certificate exists, and Ubuntu/Debian hosts ship it.
    return [
        `certdir=${shq(dir)}`,
        'if [ ! -s "$certdir/fullchain.pem" ] || [ ! -s "$certdir/privkey.pem" ]; then',
        '  mkdir -p "$certdir"',
        `  openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 30 -subj ${shq(`/CN=${domains[0]}`)} -addext ${shq(`subjectAltName=${san}`)} \\`,
        '    -keyout "$certdir/privkey.pem.tmp" -out "$certdir/fullchain.pem.tmp" 2>/dev/null',
        '  chmod 600 "$certdir/privkey.pem.tmp"',
        '  mv -f "$certdir/privkey.pem.tmp" "$certdir/privkey.pem" && mv -f "$certdir/fullchain.pem.tmp" "$certdir/fullchain.pem"',
        `  touch "$certdir/${BOOTSTRAP_MARKER}"`,
        `  echo "created a bootstrap self-signed certificate for ${domains[0]}"`,
        "fi",
        grantNginxReadFunction(),
        // Every run: a certs folder restored from a backup (tar keeps no ACL by default) is readable again.
        `grant_nginx_read ${shq(`${root}/${CERTS_DIR}`)} ${shq(domains[0])}`,
    ];
}

export function deliverNginxConfigScript(root: string, options: DeliverOptions): string {
    const paths = options.paths ?? IN_CONTAINER;
    return script(
        installBundleScript(),
        nginxControl(root),
        `live=${shq(`${root}/${NGINX_DIR}`)}`,
        `staging=${shq(`${root}/${NGINX_STAGING_DIR}`)}`,
        `previous=${shq(`${root}/${NGINX_BACKUP_DIR}`)}`,
        `upstreams=${shq(`${root}/${UPSTREAMS_DIR}`)}`,
        // Every folder nginx mounts exists before its container does (Docker would make it root's).
        `mkdir -p "$staging" "$live" "$upstreams" ${shq(`${root}/${NGINX_LOGS_DIR}`)} ${shq(`${root}/${STATUS_PAGE_DIR}`)}`,
        // The lock every nginx writer takes: no other change lands between this test and reload.
        "nginx_lock",
        // Empty staging in place: it is bind-mounted into the container, a new folder would not be.
        'find "$staging" -mindepth 1 -delete',
        'install_bundle "$staging"',
        ...bootstrapCertificate(root, options.domains),
        "if nginx_running; then running=1; else running=0; fi",
        `if [ "$running" = 1 ] && ! nginx_check ${shq(mainConfig(paths.staging))}; then`,
        '  echo "nginx rejected the new config; the running config is unchanged:" >&2',
        '  echo "$nginx_out" >&2',
        "  exit 1",
        "fi",
        // Swap in place, keeping the old files to restore if the live check fails.
        'nginx_swap "$live" "$staging" "$previous"',
        'if [ "$running" = 1 ]; then',
        `  nginx_reload ${shq(mainConfig(paths.config))} "the live nginx config failed its check after the swap; restored the previous one:" nginx_restore "$live" "$previous" || exit 1`,
        "fi",
    );
}
