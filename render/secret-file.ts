// A secret handed to a container as a file on the host (bind-mounted read-only), never as an
// environment variable, which `docker inspect` shows to anyone with Docker access.
import { script, shq } from "./shell";

/** Folder under the platform root for secret files: 0700, the deploy user's only. */
export const SECRETS_DIR = "secrets";

/**
 * Writes stdin, exactly, to a 0600 file in `file`'s 0700 folder, runs `handOver` on it (`$tmp`),
 * then swaps it in whole as `file`.
 */
const stagedSecretScript = (vars: string, ...handOver: string[]) =>
    script(
        "umask 077",
        vars,
        'dir=$(dirname "$file")',
        'mkdir -p "$dir" && chmod 700 "$dir"',
        'tmp=$(mktemp "$dir/.secret.XXXXXX")',
        'trap \'rm -f "$tmp"\' EXIT',
        'cat > "$tmp"',
        'chmod 600 "$tmp"',
        ...handOver,
        'mv -f "$tmp" "$file"',
    );

/** Writes stdin, exactly, to `file` (atomically), 0600 in a 0700 folder: the deploy user's only. */
export const writeSecretFileScript = (file: string): string => stagedSecretScript(`file=${shq(file)}`);

/** Who reads a secret file in a container: the image that does the chown and the owner it names. */
export interface SecretReader {
    /** An image with `chown` whose user names `owner` resolves in (the reader's own, or the pinned PostgreSQL image). */
    readonly image: string;
    /** `user:group`, as a name in `image` or numeric: the container user that reads the file. */
    readonly owner: string;
}

/**
 * Writes stdin to `file` (atomically), 0600 and owned by the container user that reads it through a
 * read-only bind mount. The deploy user has no root, only Docker: a one-shot container of `image`
 * with CAP_CHOWN alone, no network, hands the file over. No other user of the host or of another
 * container can read it.
 */
export const writeContainerSecretScript = (file: string, reader: SecretReader): string =>
    stagedSecretScript(
        `file=${shq(file)} image=${shq(reader.image)} owner=${shq(reader.owner)}`,
        'docker run --rm --read-only --network none --cap-drop ALL --cap-add CHOWN --security-opt no-new-privileges --user 0:0 \\',
        '  --entrypoint chown -v "$tmp:/secret" "$image" "$owner" /secret',
    );

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
