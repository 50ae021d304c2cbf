// Config keys nothing reads. Pulumi hands the program every key of the stack and the program reads
// its own by name, so a misspelled key (`mhylle-platform:app`), a secret no app names any more, or
// a namespace a letter off (`mhylle-platfrom:apps`) would be dropped without a word and the stack
// would run on defaults. Each is refused instead, naming the key and the fix, never its value (it
// may be a secret: the program cannot tell which keys are).
import { distance } from "fastest-levenshtein";
import { configSchema } from "./schema";
import { secretKeysOf } from "./validate";
import { PROJECT } from "./stack-file";
import type { Problem } from "./problem";

/** Namespaces of the providers and the engine: their keys are theirs to read. */
const PROVIDER_NAMESPACES = new Set(["pulumi", "scaleway", "docker", "command", "random"]);

/** A namespace this close to the project's is taken for a misspelling of it. */
const NEAR = 3;

const FIELDS = new Set(Object.keys(configSchema.shape));

/**
 * Problems with `fullKeys` (`namespace:key`, as Pulumi passes them) that no part of the platform
 * reads. Keys in `raw` are left to validation, which names them with their value.
 */
export function strayKeyProblems(fullKeys: readonly string[], raw: Record<string, unknown>): Problem[] {
    const secrets = new Set(secretKeysOf(raw));
    const problems: Problem[] = [];
    for (const fullKey of fullKeys) {
        const at = fullKey.indexOf(":");
        if (at < 0) continue;
        const [namespace, key] = [fullKey.slice(0, at), fullKey.slice(at + 1)];
        if (namespace === PROJECT) {
            if (FIELDS.has(key) || secrets.has(key) || Object.prototype.hasOwnProperty.call(raw, key)) continue;
            problems.push({
                field: key,
                problem: `is set in this stack but nothing reads it: it is neither a config field (docs/config.md) nor a secret the platform or an app's secretEnv names. Check its spelling, or remove it: pulumi config rm ${key}`,
                got: "[value not shown]",
            });
        } else if (!PROVIDER_NAMESPACES.has(namespace) && distance(namespace.toLowerCase(), PROJECT) <= NEAR) {
            problems.push({
                field: fullKey,
                problem: `is in the namespace ${namespace}, not this project's (${PROJECT}), so the platform never reads it. Set it as ${PROJECT}:${key} (pulumi config set ${key} ...) and remove this one: pulumi config rm '${fullKey}'`,
                got: "[value not shown]",
            });
        }
    }
    return problems;
}
