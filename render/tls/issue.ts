// First issuance, run by `pulumi up` once nginx is up and serving the ACME webroot on port 80.
// Idempotent: a lineage that already covers the configured names from the configured directory
// is left alone; a changed name list or directory gets a new certificate into the same lineage.
import { script, shq } from "../shell";
import { BOOTSTRAP_MARKER } from "../nginx/deliver";
import { IN_CONTAINER } from "../nginx/layout";
import { allDomains, BOOTSTRAP_ASIDE_DIR, certbotPrelude, TlsInput } from "./certbot";

export interface IssueInput extends TlsInput {
    /** ACME directory URL. */
    readonly directoryUrl: string;
    /** Account email; none registers without one (Let's Encrypt no longer mails expiry notices). */
    readonly email?: string;
}

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
        "  take_nginx_lock",
        '  rm -rf "$aside" && mkdir -p "$aside"',
        `  if [ -e "$live" ] && [ ! -e "$live/${BOOTSTRAP_MARKER}" ]; then echo "$live is neither a bootstrap certificate nor a certbot lineage; it is kept in $aside/live"; fi`,
        '  if [ -e "$live" ]; then mv "$live" "$aside/live"; moved=1; fi',
        // An interrupted earlier run can leave an archive without a lineage; certbot refuses that.
        '  if [ -e "$certs/archive/$domain" ]; then mv "$certs/archive/$domain" "$aside/archive"; fi',
        "fi",
        `args=(certonly --non-interactive --agree-tos ${account} --webroot -w "$webroot" --cert-name "$domain" --server "$server")`,
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
        "reload_nginx",
    );
}
