// The renewal job: back up the certs folder, `certbot renew`. No nginx reload: nginx loads the
// certificate per handshake and notices the swapped files by itself (render/nginx/tls.ts), so idle
// keep-alive connections survive a renewal. Runs twice a day as certbot recommends; certbot itself
// decides what is due.
import { createHash } from "node:crypto";
import type { ScheduledJob } from "../schedule";
import { heredoc } from "../shell";
import { CERT_CACHE_VALID_SECONDS } from "../nginx/tls";
import { CERT_BACKUPS_DIR, certbotPrelude, LETSENCRYPT_DIR, TlsInput } from "./certbot";

export const RENEW_JOB = "cert-renew";
/** Backups kept: a week of twice-daily runs. */
export const CERT_BACKUPS_KEPT = 14;

/** A minute and two hours 12 h apart, fixed per domain: servers do not all hit the CA at :00. */
export function renewalSchedule(domain: string): string {
    const h = createHash("sha256").update(domain).digest();
    return `${h[0] % 60} ${h[1] % 12},${(h[1] % 12) + 12} * * *`;
}

/**
 * Body of bin/cert-renew.sh (the scheduler adds strict mode); its arguments go to `certbot renew`.
 * @param issue the issuance script: run when there is no certificate yet, so a server whose first
 *   issuance failed (DNS not pointing at it yet, say) converges without another `pulumi up`.
 */
export function renewCertificateScript(t: TlsInput, issue: string, keep = CERT_BACKUPS_KEPT): string {
    return [
        certbotPrelude(t),
        `backups="$root/${CERT_BACKUPS_DIR}"`,
        'if [ ! -f "$renewal_conf" ]; then',
        '  echo "no Let\'s Encrypt certificate for $domain yet: issuing the first one"',
        // Its own bash, fed the script verbatim: it takes the lock and exits on its own terms.
        `  exec bash ${heredoc(issue, "ISSUE_EOF")}`,
        "fi",
        "take_lock",
        'mkdir -p "$backups"',
        'backup="$backups/certs-$(date -u +%Y%m%dT%H%M%S%NZ).tar.gz"',
        `tar -czf "$backup.tmp" -C "$root" ${LETSENCRYPT_DIR}`,
        'mv -f "$backup.tmp" "$backup"',
        'echo "backed up $certs to $backup"',
        // Names sort by time: everything after the newest N goes.
        `find "$backups" -maxdepth 1 -name 'certs-*.tar.gz' | sort -r | tail -n +${keep + 1} | xargs -r rm -f --`,
        "before=$(fingerprint)",
        'key_before=$(sha256sum <"$live/privkey.pem" 2>/dev/null | cut -c1-64 || echo none)',
        // The cron minute is already spread per server, so certbot's own random sleep only adds delay.
        // --reuse-key: nginx reads the chain and the key as two files per handshake (each cached, each
        // re-checked on its own); certbot swaps the key's link before the chain's. A new key could
        // meet the old chain in one worker, which then fails every handshake until its cache
        // checks again. The same key on both sides of the swap cannot mismatch. A new key is a
        // deliberate step with a reload: docs/runbooks/rotate-secrets.md.
        'if ! out=$(run_certbot renew --cert-name "$domain" --non-interactive --no-random-sleep-on-renew --reuse-key "$@" 2>&1); then',
        '  echo "certbot renew failed; nginx keeps serving the current certificate:" >&2',
        '  echo "$out" >&2',
        "  exit 1",
        "fi",
        'echo "$out"',
        // Also after a renewal that changed nothing: a restored backup may have lost the ACL.
        'grant_nginx_read "$certs" "$domain"',
        'if [ "$(fingerprint)" = "$before" ]; then',
        '  echo "certificate $domain unchanged"',
        "  exit 0",
        "fi",
        // A new key (asked for by hand: --new-key): reloaded, so no worker pairs it with the old chain.
        'if [ "$(sha256sum <"$live/privkey.pem" | cut -c1-64)" != "$key_before" ]; then',
        '  echo "certificate $domain renewed with a new private key; reloading nginx so no worker pairs it with the old chain"',
        "  reload_nginx",
        "  exit 0",
        "fi",
        `echo "certificate $domain renewed; nginx serves it from its next handshakes within ${CERT_CACHE_VALID_SECONDS}s, without a reload"`,
    ].join("\n") + "\n";
}

export function renewalJob(t: TlsInput, issue: string): ScheduledJob {
    return { name: RENEW_JOB, schedule: renewalSchedule(t.domain), script: renewCertificateScript(t, issue) };
}
