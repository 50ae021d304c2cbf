// A secret handed to a container as a file on the host (bind-mounted read-only), never as an
// environment variable, which `docker inspect` shows to anyone with Docker access.
import { script, shq } from "./shell";

/** Folder under the platform root for secret files: 0700, the deploy user's only. */
export const SECRETS_DIR = "secrets";

/** Writes stdin, exactly, to `file` (atomically). */
export function writeSecretFileScript(file: string): string {
    return script(
        "umask 077",
        `file=${shq(file)}`,
        'dir=$(dirname "$file")',
        'mkdir -p "$dir" && chmod 700 "$dir"',
        'tmp=$(mktemp "$dir/.secret.XXXXXX")',
        'cat > "$tmp"',
        // Readable by the container's own user (another uid); the 0700 folder keeps the host's other users out.
        'chmod 644 "$tmp"',
        'mv -f "$tmp" "$file"',
    );
}

/**
 * Installs stdin as `file`, for the deploy user only: the 0700 folder and the 0600 file exist
 * before a byte is written, and the file is swapped in whole. `check` is a grep that the text must
 * pass (else nothing changes and the script fails with `refused`); `installed` is printed after.
 */
export function installPrivateFileScript(file: string, check: string, refused: string, installed: string): string {
    for (const message of [refused, installed]) if (/["$`\\]/.test(message)) throw new Error(`a fixed message, not ${JSON.stringify(message)}`);
    return script(
        `file=${shq(file)}`,
        'mkdir -p "$(dirname "$file")"',
        'chmod 0700 "$(dirname "$file")"',
        "umask 077",
        'cat > "$file.tmp"',
        `${check} "$file.tmp" || { rm -f "$file.tmp"; echo "${refused}" >&2; exit 1; }`,
        'chmod 0600 "$file.tmp"',
        'mv -f "$file.tmp" "$file"',
        `echo "${installed}"`,
    );
}
