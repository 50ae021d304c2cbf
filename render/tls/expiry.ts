// cert-expiry: one JSON line per configured domain about the certificate nginx serves for it,
// exit 1 when any has fewer than the warning threshold of days left, is missing or does not
// cover the name. A daily job, and a plain script monitoring can run: bin/cert-expiry.sh [DAYS].
import { createHash } from "node:crypto";
import type { ScheduledJob } from "../schedule";
import { shq } from "../shell";
import { LETSENCRYPT_DIR } from "./certbot";

export const EXPIRY_JOB = "cert-expiry";

export interface ExpiryInput {
    readonly root: string;
    readonly domain: string;
    readonly aliases: readonly string[];
    /** Fewer days left than this is not ok. */
    readonly warnDays: number;
}

/** Body of bin/cert-expiry.sh (the scheduler adds strict mode). */
export function expiryCheckScript(e: ExpiryInput): string {
    return [
        `cert=${shq(`${e.root}/${LETSENCRYPT_DIR}/live/${e.domain}/fullchain.pem`)}`,
        `domains=(${[e.domain, ...e.aliases].map(shq).join(" ")})`,
        `warn_days="\${1:-${e.warnDays}}"`,
        "json_str() { local s=${1//\\\\/\\\\\\\\}; s=${s//\\\"/\\\\\\\"}; printf '\"%s\"' \"$s\"; }",
        "status=0",
        "readable=0",
        // A missing or corrupt file is a finding for every name, not a crash of the check.
        'if [ -r "$cert" ] && end=$(openssl x509 -in "$cert" -noout -enddate 2>/dev/null); then',
        "  readable=1",
        '  end_s=$(date -u -d "${end#notAfter=}" +%s)',
        '  not_after=$(date -u -d "@$end_s" +%Y-%m-%dT%H:%M:%SZ)',
        '  issuer=$(openssl x509 -in "$cert" -noout -issuer -nameopt RFC2253)',
        "  issuer=${issuer#issuer=}",
        '  left=$(( end_s - $(date +%s) ))',
        // Whole days left, rounded down (an expired certificate shows a negative count).
        "  if [ \"$left\" -ge 0 ]; then days=$(( left / 86400 )); else days=$(( -((-left + 86399) / 86400) )); fi",
        "  names=\" $({ openssl x509 -in \"$cert\" -noout -ext subjectAltName 2>/dev/null || true; } | grep -o 'DNS:[^,[:space:]]*' | cut -c5- | paste -sd' ' - || true) \"",
        "fi",
        'for d in "${domains[@]}"; do',
        '  if [ "$readable" = 0 ]; then',
        '    printf \'{"domain":%s,"daysLeft":null,"notAfter":null,"issuer":null,"ok":false,"problem":%s}\\n\' "$(json_str "$d")" "$(json_str "no readable certificate at $cert")"',
        "    status=1",
        "    continue",
        "  fi",
        "  ok=true problem=",
        '  if [[ "$names" != *" $d "* ]]; then ok=false problem="the certificate does not cover $d"',
        '  elif [ "$days" -lt "$warn_days" ]; then ok=false problem="expires in $days days (warning below $warn_days)"',
        "  fi",
        '  [ "$ok" = true ] || status=1',
        '  printf \'{"domain":%s,"daysLeft":%s,"notAfter":%s,"issuer":%s,"ok":%s\' "$(json_str "$d")" "$days" "$(json_str "$not_after")" "$(json_str "$issuer")" "$ok"',
        '  if [ -n "$problem" ]; then printf \',"problem":%s\' "$(json_str "$problem")"; fi',
        "  printf '}\\n'",
        "done",
        'exit "$status"',
    ].join("\n") + "\n";
}

export function expiryJob(e: ExpiryInput): ScheduledJob {
    const minute = createHash("sha256").update(`expiry ${e.domain}`).digest()[0] % 60;
    return { name: EXPIRY_JOB, schedule: `${minute} 7 * * *`, script: expiryCheckScript(e) };
}
