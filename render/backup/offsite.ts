// Off-site copy to Scaleway Object Storage, encrypted with age, by a pinned rclone image run by
// `docker run --rm`.
// The keys are installed as an env file (mode 0600) written from a command's stdin: never on a
// command line, in the crontab, or in a process listing. Each upload turns it into rclone's config
// file (0600, the job user's, whom rclone runs as), mounted read-only: never the container's
// environment, which `docker inspect` and diagnostics dumps show.
import type { BackupsConfig } from "../../config/schema";
import { shq } from "../shell";
import { installPrivateFileScript } from "../secret-file";
import { OFFSITE_ENV } from "./layout";

/** rclone's remote, configured entirely from RCLONE_CONFIG_OFFSITE_* variables. */
const REMOTE = "OFFSITE";

/** Env file lines; the two keys are the only secrets. */
export function offsiteEnvFile(region: string, accessKey: string, secretKey: string): string {
    return [
        `RCLONE_CONFIG_${REMOTE}_TYPE=s3`,
        `RCLONE_CONFIG_${REMOTE}_PROVIDER=Scaleway`,
        `RCLONE_CONFIG_${REMOTE}_REGION=${region}`,
        `RCLONE_CONFIG_${REMOTE}_ENDPOINT=s3.${region}.scw.cloud`,
        `RCLONE_CONFIG_${REMOTE}_ACL=private`,
        `RCLONE_CONFIG_${REMOTE}_ACCESS_KEY_ID=${accessKey}`,
        `RCLONE_CONFIG_${REMOTE}_SECRET_ACCESS_KEY=${secretKey}`,
    ].join("\n") + "\n";
}

/** Installs the env file from stdin (render/secret-file.ts): it must hold the secret key. */
export const installOffsiteEnvScript = (root: string) =>
    installPrivateFileScript(`${root}/${OFFSITE_ENV}`, `grep -q "^RCLONE_CONFIG_${REMOTE}_SECRET_ACCESS_KEY=."`, "off-site env file arrived without keys", "off-site credentials installed");

/**
 * Lines of the backup job that copy this run's files (`$stamp`) off-site; a failure counts as one.
 * Each file is encrypted with `age` to the configured recipient into a staging folder, and only
 * that folder is mounted into rclone: a dump that failed to encrypt is never visible to the upload.
 * The server's key may only put objects (components/backups.ts), so rclone neither lists, reads
 * nor creates anything: --no-check-dest, --s3-no-check-bucket, --s3-no-head.
 */
export function offsiteUpload(b: BackupsConfig): string[] {
    return [
        `offsite_env="$root/${OFFSITE_ENV}"`,
        `recipient=${shq(b.offsite.recipient ?? "")}`,
        // Staging beside the summary: the dumps' disk, never /tmp, and outside the backup folders.
        'stage="$(dirname "$summary")/offsite-$stamp"',
        "encrypt_run() {",
        '  rm -rf "$stage" && mkdir -p "$stage" || return 1',
        '  local f rel',
        '  for f in "$backups"/*/*_"$stamp".dump "$backups"/*/*_"$stamp".sql; do',
        '    [ -f "$f" ] || continue',
        '    rel=${f#"$backups"/}',
        '    mkdir -p "$stage/$(dirname "$rel")" && age --encrypt -r "$recipient" -o "$stage/$rel.age" "$f" || return 1',
        "  done",
        "}",
        `rclone_conf="\${offsite_env%.env}.rclone.conf" rclone_mount=/run/platform/rclone.conf`,
        // RCLONE_CONFIG_OFFSITE_ACCESS_KEY_ID=v -> access_key_id = v in [OFFSITE], as rclone reads either.
        "rclone_config() {",
        "  local line key",
        `  ( umask 077 && { echo "[${REMOTE}]"; while IFS= read -r line || [ -n "$line" ]; do`,
        `      case "$line" in RCLONE_CONFIG_${REMOTE}_?*=*) key=\${line%%=*}; key=\${key#RCLONE_CONFIG_${REMOTE}_}; printf '%s = %s\\n' "\${key,,}" "\${line#*=}" ;; esac`,
        '    done <"$offsite_env"; } >"$rclone_conf.tmp" ) && mv -f "$rclone_conf.tmp" "$rclone_conf"',
        "}",
        'if [ ! -f "$offsite_env" ]; then',
        '  fail offsite "missing $offsite_env; run pulumi up to install the off-site credentials"',
        "elif ! command -v age >/dev/null; then",
        '  fail offsite "age is not installed on this server, nothing was uploaded: install it as docs/runbooks/upgrade-an-older-server.md shows"',
        'elif ! rclone_config 2>"$err"; then',
        '  fail offsite "cannot write the rclone config from $offsite_env: $(tail -n 5 "$err" | tr \'\\n\' \' \')"',
        'elif ! encrypt_run 2>"$err"; then',
        '  fail offsite "encryption failed, nothing was uploaded: $(tail -n 5 "$err" | tr \'\\n\' \' \')"',
        // --user: the staged files are the deploy user's 0600 files; no capabilities needed to read them.
        'elif ! docker run --rm --user "$(id -u):$(id -g)" --cap-drop ALL --security-opt no-new-privileges \\',
        '    -v "$rclone_conf:$rclone_mount:ro" -e HOME=/tmp --tmpfs /tmp -v "$stage:/data:ro" \\',
        `    ${shq(b.offsite.image)} --config "$rclone_mount" copy /data ${REMOTE}:${shq(b.offsite.bucket!)} --no-check-dest --s3-no-check-bucket --s3-no-head --retries 3 2>"$err"; then`,
        '  fail offsite "upload failed: $(tail -n 5 "$err" | tr \'\\n\' \' \')"',
        "else",
        `  record offsite ok 0 0 ${shq(`s3://${b.offsite.bucket}`)} ""`,
        "  echo \"copied this run's dumps off-site, encrypted\"",
        "fi",
        'rm -rf "$stage"',
    ];
}
