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
