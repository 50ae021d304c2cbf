// A bundle of files sent to the server on a command's stdin, one file a line:
// `path<TAB>mode<TAB>base64(content)`. Base64 keeps any content safe to pass through shell.
export const BUNDLE_HEADER = "# platform-file-bundle v1";

export interface ServerFile {
    /** Path relative to the platform root (/opt/platform on the server). */
    readonly path: string;
    readonly content: string;
    /** Octal mode, e.g. "0644". */
    readonly mode?: string;
}

const SAFE_PATH = /^[A-Za-z0-9._@+-]+(\/[A-Za-z0-9._@+-]+)*$/;

/** @param dest folder under the platform root the files belong to once live, e.g. "nginx". */
export function encodeBundle(files: readonly ServerFile[], dest: string): string {
    if (!SAFE_PATH.test(dest)) throw new Error(`unsafe bundle destination ${JSON.stringify(dest)}`);
    const lines = files.map((f) => {
        if (!SAFE_PATH.test(f.path) || f.path.split("/").includes("..")) throw new Error(`unsafe server path ${JSON.stringify(f.path)}`);
        const mode = f.mode ?? "0644";
        if (!/^0[0-7]{3}$/.test(mode)) throw new Error(`bad mode ${mode} for ${f.path}`);
        return `${f.path}\t${mode}\t${Buffer.from(f.content, "utf8").toString("base64")}`;
    });
    return [`${BUNDLE_HEADER} dest=${dest}`, ...lines].join("\n") + "\n";
}

export function isBundle(text: unknown): text is string {
    return typeof text === "string" && text.startsWith(BUNDLE_HEADER + " dest=");
}

/** Files of a bundle with paths relative to the platform root. */
export function decodeBundle(text: string): ServerFile[] {
    if (!isBundle(text)) throw new Error("not a file bundle");
    const [header, ...rest] = text.split("\n");
    const dest = header.slice(BUNDLE_HEADER.length + " dest=".length);
    return rest
        .filter((l) => l.length)
        .map((line) => {
            const [path, mode, b64] = line.split("\t");
            return { path: `${dest}/${path}`, mode, content: Buffer.from(b64, "base64").toString("utf8") };
        });
}

/**
 * Bash function `install_bundle DIR`: reads a bundle from stdin and writes each file under DIR
 * atomically (temp file + rename), creating parent folders.
 */
export function installBundleScript(): string {
    return [
        "install_bundle() {",
        "  local dir=\"$1\" header path mode b64 tmp",
        "  IFS= read -r header",
        `  case "$header" in "${BUNDLE_HEADER} dest="*) ;; *) echo "stdin is not a file bundle" >&2; return 1 ;; esac`,
        "  while IFS=$'\\t' read -r path mode b64; do",
        "    [ -n \"$path\" ] || continue",
        "    mkdir -p \"$(dirname \"$dir/$path\")\"",
        "    tmp=\"$dir/$path.tmp.$$\"",
        "    printf '%s' \"$b64\" | base64 -d > \"$tmp\"",
        "    chmod \"$mode\" \"$tmp\"",
        "    mv -f \"$tmp\" \"$dir/$path\"",
        "  done",
        "}",
    ].join("\n");
}
