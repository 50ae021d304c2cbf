// Shell quoting and script assembly shared by every rendered script.

/** Quote a value for POSIX shells: safe for any byte string without NUL. */
export function shq(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A bash script body: strict mode first, then the given lines. */
export function script(...lines: string[]): string {
    return ["set -euo pipefail", ...lines].join("\n") + "\n";
}

/** Text as a quoted heredoc that shell never expands. */
export function heredoc(text: string, marker = "PLATFORM_EOF"): string {
    if (text.split("\n").includes(marker)) throw new Error(`heredoc text contains its marker ${marker}`);
    return `<<'${marker}'\n${text.endsWith("\n") ? text : text + "\n"}${marker}`;
}
