// First issuance, run by `pulumi up` once nginx is up and serving the ACME webroot on port 80.
// Idempotent: a lineage that already covers the configured names from the configured directory
// is left alone; a changed name list or directory gets a new certificate into the same lineage.
import { heredoc, script, shq } from "../shell";
import type { ScheduledJob } from "../schedule";
import { BOOTSTRAP_MARKER } from "../nginx/deliver";
import { IN_CONTAINER } from "../nginx/layout";
import { allDomains, BOOTSTRAP_ASIDE_DIR, certbotPrelude, LETSENCRYPT_DIR, TlsInput } from "./certbot";

/** Where the server's public address is kept (written by the Certificates component), for the DNS check. */
export const SERVER_ADDRESS_FILE = "state/public-address";
export const FIRST_ISSUE_JOB = "cert-issue";
/** Until the first certificate exists, how often the job looks at DNS again. */
export const FIRST_ISSUE_SCHEDULE = "*/10 * * * *";

export interface IssueInput extends TlsInput {
    /** ACME directory URL. */
    readonly directoryUrl: string;
    /** Account email; none registers without one (Let's Encrypt no longer mails expiry notices). */
    readonly email?: string;
}

/**
 * Before the first certificate: every name must resolve to this server's public address and
 * nothing else, or the CA's validation fails and counts against Let's Encrypt's failed-validation
 * limit. Until DNS is right the script exits 0 (nginx keeps the bootstrap certificate) and the
 * cert-issue job tries again every 10 minutes. Tests point DNS_LOOKUP at their own resolver.
 */
function dnsCheck(): string[] {
    return [
        'lookup() { if [ -n "${DNS_LOOKUP:-}" ]; then $DNS_LOOKUP "$1"; else getent ahosts "$1" | awk \'{ print $1 }\' | sort -u; fi; }',
        'if [ ! -f "$renewal_conf" ]; then',
        `  address=$(cat "$root/${SERVER_ADDRESS_FILE}" 2>/dev/null || true)`,
        "  pending=()",
        '  for d in "${domains[@]}"; do',
        '    got=$(lookup "$d" | paste -sd" " - || true)',
        '    [ -n "$address" ] && [ "$got" = "$address" ] || pending+=("$d resolves to ${got:-nothing}")',
        "  done",
        '  if [ "${#pending[@]}" -gt 0 ]; then',
        '    echo "not asking $server for a certificate yet: every name must point at ${address:-this server} (A record) and nowhere else; ${pending[*]}."',
        `    echo "nginx serves the bootstrap certificate meanwhile; the ${FIRST_ISSUE_JOB} job asks again every 10 minutes once DNS is right."`,
        "    exit 0",
        "  fi",
        "fi",
    ];
}

/** --reuse-key is kept in the lineage's renewal conf: renewals keep the private key (renew.ts says why). */
export function issueCertificateScript(t: IssueInput): string {
    // --email=VALUE: the address is one argument even if it starts with "-" (argparse would read it as an option).
    const account = t.email ? `--email=${shq(t.email)} --no-eff-email` : "--register-unsafely-without-email";
    return script(
        certbotPrelude(t),
        `domains=(${allDomains(t).map(shq).join(" ")})`,
        `server=${shq(t.directoryUrl)}`,
        // Where certbot writes challenges; it records the path in the lineage for renewals.
        `webroot=${shq((t.paths ?? IN_CONTAINER).acmeWebroot)}`,
        `aside="$root/${BOOTSTRAP_ASIDE_DIR}"`,
        // Names a certificate covers, sorted, space-separated (empty when there is none).
        "names_of() {",
        "  { openssl x509 -in \"$1\" -noout -ext subjectAltName 2>/dev/null || true; } | grep -o 'DNS:[^,[:space:]]*' | cut -c5- | sort -u | paste -sd' ' - || true",
        "}",
        ...dnsCheck(),
        "take_lock",
        "want=$(printf '%s\\n' \"${domains[@]}\" | sort -u | paste -sd' ' -)",
        "extra=()",
        "moved=0",
        'if [ -f "$renewal_conf" ]; then',
        "  have_server=$(sed -n 's/^server = //p' \"$renewal_conf\")",
        '  have=$(names_of "$live/cert.pem")',
        '  if [ "$have" = "$want" ] && [ "$have_server" = "$server" ]; then',
        '    echo "certificate $domain for $want from $server is already there; nothing to do"',
        "    exit 0",
        "  fi",
        '  echo "certificate $domain covers \'$have\' from $have_server; getting one for \'$want\' from $server"',
        "  extra=(--force-renewal)",
        "else",
        // The bootstrap certificate is plain files where certbot wants to create the lineage: keep
        // it aside to put back if certbot fails. nginx has it loaded and keeps serving meanwhile;
        // the nginx lock keeps config delivery from recreating it until the lineage is there.
        "  nginx_lock",
        '  rm -rf "$aside" && mkdir -p "$aside"',
        `  if [ -e "$live" ] && [ ! -e "$live/${BOOTSTRAP_MARKER}" ]; then echo "$live is neither a bootstrap certificate nor a certbot lineage; it is kept in $aside/live"; fi`,
        '  if [ -e "$live" ]; then mv "$live" "$aside/live"; moved=1; fi',
        // An interrupted earlier run can leave an archive without a lineage; certbot refuses that.
        '  if [ -e "$certs/archive/$domain" ]; then mv "$certs/archive/$domain" "$aside/archive"; fi',
        "fi",
        `args=(certonly --non-interactive --agree-tos ${account} --webroot -w "$webroot" --cert-name "$domain" --server "$server" --reuse-key)`,
        'for d in "${domains[@]}"; do args+=(-d "$d"); done',
        'if ! out=$(run_certbot "${args[@]}" "${extra[@]}" 2>&1); then',
        '  if [ "${#extra[@]}" = 0 ]; then',
        '    rm -rf "$live" "$certs/archive/$domain" "$renewal_conf"',
        '    if [ "$moved" = 1 ]; then mv "$aside/live" "$live"; fi',
        '    echo "certbot could not get a certificate for ${domains[*]} from $server; nginx keeps serving the bootstrap certificate." >&2',
        "  else",
        '    echo "certbot could not get a new certificate for ${domains[*]} from $server; the current one stays." >&2',
        "  fi",
        '  echo "$out" >&2',
        "  exit 1",
        "fi",
        'echo "$out"',
        'echo "certificate $domain issued for $want by $server"',
        'grant_nginx_read "$certs" "$domain"',
        // Not needed for the certificate itself (nginx loads it per handshake); issuance is rare (a
        // new server, a new alias) and the reload makes the new chain immediate.
        "reload_nginx",
    );
}

/** Every 10 minutes until the first certificate exists (DNS pointed at the server); then a no-op. */
export function firstIssueJob(t: TlsInput, issue: string): ScheduledJob {
    return {
        name: FIRST_ISSUE_JOB,
        schedule: FIRST_ISSUE_SCHEDULE,
        script: [`[ ! -f ${shq(`${t.root}/${LETSENCRYPT_DIR}/renewal/${t.domain}.conf`)} ] || exit 0`, `exec bash ${heredoc(issue, "ISSUE_EOF")}`].join("\n"),
    };
}

/** Writes the server's public address (stdin) where the DNS check reads it. */
export function serverAddressScript(root: string): string {
    return script(`file=${shq(`${root}/${SERVER_ADDRESS_FILE}`)}`, 'mkdir -p "$(dirname "$file")"', 'cat > "$file.tmp" && mv -f "$file.tmp" "$file"');
}
