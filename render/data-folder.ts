// The platform's folder on the host (/opt/platform, or local.dataDir on the local target): the
// top-level folders it makes, so that a destroy of the local target removes exactly those and
// never anything else a user keeps there.
import { BACKUPS_DIR } from "./backup/layout";
import { CERTS_DIR, NGINX_BACKUP_DIR, NGINX_DIR, NGINX_LOGS_DIR, NGINX_STAGING_DIR, UPSTREAMS_DIR } from "./nginx/layout";
import { BIN_DIR, JOB_LOGS_DIR, JOB_STATE_DIR } from "./schedule";
import { SECRETS_DIR } from "./secret-file";
import { STATUS_PAGE_DIR } from "./monitoring/layout";
import { script, shq } from "./shell";

const top = (p: string) => p.split("/")[0];

/** Every top-level folder the platform writes under its root. */
export const PLATFORM_FOLDERS = [...new Set([NGINX_DIR, NGINX_STAGING_DIR, NGINX_BACKUP_DIR, UPSTREAMS_DIR, CERTS_DIR, top(NGINX_LOGS_DIR), top(JOB_LOGS_DIR), top(JOB_STATE_DIR), BIN_DIR, BACKUPS_DIR, SECRETS_DIR, STATUS_PAGE_DIR])].sort();

export function createDataFolderScript(root: string): string {
    return script(`mkdir -p ${shq(root)}`);
}

/** Removes the platform's folders, then the root only if nothing else is left in it. */
export function removeDataFolderScript(root: string): string {
    return script(
        `root=${shq(root)}`,
        `for d in ${PLATFORM_FOLDERS.map(shq).join(" ")}; do`,
        // Files a container wrote as another user may resist: report them, never block the destroy.
        '  rm -rf -- "${root:?}/$d" 2>/dev/null || echo "could not remove all of $root/$d (files owned by another user); remove them by hand" >&2',
        "done",
        'rmdir -- "$root" 2>/dev/null || echo "kept $root: it holds files the platform did not make"',
    );
}
