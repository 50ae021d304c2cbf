// Off-site copy to Scaleway Object Storage with a pinned rclone image run by `docker run --rm`.
// The keys reach rclone only through an env file (mode 0600) written from a command's stdin:
// never on a command line, in the crontab, or in a process listing.
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

/** Lines of the backup job that copy this run's files (`$stamp`) off-site; a failure counts as one. */
export function offsiteUpload(b: BackupsConfig): string[] {
    return [
        `offsite_env="$root/${OFFSITE_ENV}"`,
        'if [ ! -f "$offsite_env" ]; then',
        '  fail offsite "missing $offsite_env; run pulumi up to install the off-site credentials"',
        // --user: the dumps are the deploy user's 0600 files; no capabilities needed to read them.
        'elif ! docker run --rm --user "$(id -u):$(id -g)" --cap-drop ALL --security-opt no-new-privileges \\',
        '    --env-file "$offsite_env" -e HOME=/tmp --tmpfs /tmp -v "$backups:/data:ro" \\',
        `    ${shq(b.offsite.image)} copy /data ${REMOTE}:${shq(b.offsite.bucket!)} --include "*_$stamp.*" --no-traverse --retries 3 2>"$err"; then`,
        '  fail offsite "upload failed: $(tail -n 5 "$err" | tr \'\\n\' \' \')"',
        "else",
        `  record offsite ok 0 0 ${shq(`s3://${b.offsite.bucket}`)} ""`,
        "  echo \"copied this run's dumps off-site\"",
        "fi",
    ];
}
