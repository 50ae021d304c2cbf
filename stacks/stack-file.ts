// Read a Pulumi stack file (Pulumi.<stack>.yaml) or a plain YAML/JSON config file without the CLI.
import * as fs from "node:fs";
import { parse } from "yaml";

export const PROJECT = "mhylle-platform";

export interface StackFile {
    /** Plain config values by key (project prefix removed). */
    readonly raw: Record<string, unknown>;
    /** Keys whose value is encrypted in the file (`secure:`); their values are unknown here. */
    readonly secretKeys: string[];
}

/** Accepts `config: { "mhylle-platform:key": value }` (a stack file) or `{ key: value }`. */
export function readStackFile(file: string): StackFile {
    const doc = parse(fs.readFileSync(file, "utf8")) ?? {};
    const entries: Record<string, unknown> = doc.config && typeof doc.config === "object" ? doc.config : doc;
    const raw: Record<string, unknown> = {};
    const secretKeys: string[] = [];
    for (const [fullKey, value] of Object.entries(entries)) {
        const key = fullKey.startsWith(`${PROJECT}:`) ? fullKey.slice(PROJECT.length + 1) : fullKey;
        if (key.includes(":")) continue; // another package's config, e.g. scaleway:region
        if (value && typeof value === "object" && "secure" in value) secretKeys.push(key);
        else raw[key] = value;
    }
    return { raw, secretKeys };
}
