// Validation: turn raw stack config into a typed PlatformConfig or every problem at once.
import { z } from "zod";
import { configSchema, PlatformConfig } from "./schema";
import { crossFieldProblems, PLATFORM_SECRETS } from "./rules";
import { ConfigError, Problem } from "./problem";

export function fieldPath(path: readonly PropertyKey[]): string {
    return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    return path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), root);
}

/** Config keys that hold secrets: the platform's own, each registry login's token key and each secretEnv key. */
export function secretKeysOf(raw: unknown): string[] {
    const credentials = valueAt(raw, ["registries", "credentials"]);
    const tokenKeys = Array.isArray(credentials) ? credentials.map((c) => valueAt(c, ["tokenKey"])).filter((k): k is string => typeof k === "string") : [];
    const apps = valueAt(raw, ["apps"]);
    const envKeys = (Array.isArray(apps) ? apps : []).flatMap((a) =>
        ["frontend", "backend"].flatMap((s) => {
            const map = valueAt(a, [s, "secretEnv"]);
            return map !== null && typeof map === "object" ? Object.values(map).filter((k): k is string => typeof k === "string") : [];
        }),
    );
    return [...PLATFORM_SECRETS, ...tokenKeys, ...envKeys];
}

function issueToProblems(issue: z.core.$ZodIssue, raw: unknown): Problem[] {
    const field = fieldPath(issue.path);
    if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => {
            const plainSecret = !field && secretKeysOf(raw).includes(key);
            return {
                field: field ? `${field}.${key}` : key,
                problem: plainSecret
                    ? `is a secret written in plain text; remove it from the stack file and set it encrypted: pulumi config set --secret ${key} <value>`
                    : "is not a known field; check its spelling against the config reference in docs/config.md",
                // A plain-text secret is not repeated in the output.
                got: plainSecret ? "[secret]" : valueAt(raw, [...issue.path, key]),
            };
        });
    }
    if (issue.code === "invalid_key") {
        // A bad key of a map (e.g. an env variable name): report the key itself.
        const key = issue.path[issue.path.length - 1];
        return [{ field, problem: `key ${issue.issues[0]?.message ?? "is invalid"}`, got: key }];
    }
    if (issue.code === "invalid_union" && issue.errors.length) {
        // Report the first alternative's message, which names what was expected.
        const first = issue.errors[0][0];
        if (first) return [{ field, problem: first.message, got: valueAt(raw, issue.path) }];
    }
    const got = valueAt(raw, issue.path);
    return [{ field: field || "(root)", problem: humanize(issue, got), got }];
}

function humanize(issue: z.core.$ZodIssue, got: unknown): string {
    switch (issue.code) {
        case "invalid_type":
            return got === undefined ? `is required (${issue.expected})` : `must be ${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`;
        case "too_small":
            return `must be at least ${String(issue.minimum)}`;
        case "too_big":
            return `must be at most ${String(issue.maximum)}${issue.origin === "string" ? " characters" : ""}`;
        case "invalid_value":
            return `must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        default:
            return issue.message;
    }
}

/**
 * Env keys a JavaScript object drops on the way (`__proto__` sets a prototype instead of a key):
 * each raw key must still be there after parsing, or the app would silently run without it.
 */
function droppedKeys(raw: unknown, cfg: PlatformConfig): Problem[] {
    const problems: Problem[] = [];
    cfg.apps.forEach((app, i) => {
        for (const service of ["frontend", "backend"] as const) {
            const rawEnv = valueAt(raw, ["apps", i, service, "env"]);
            if (rawEnv === null || typeof rawEnv !== "object") continue;
            for (const key of Object.keys(rawEnv))
                if (!Object.prototype.hasOwnProperty.call(app[service].env, key))
                    problems.push({ field: `apps[${i}].${service}.env.${key}`, problem: "is a name JavaScript objects treat specially, so the variable would be dropped; rename it", got: key });
        }
    });
    return problems;
}

/** Parse, default and check stack config. Throws ConfigError listing every problem. */
export function validateConfig(raw: unknown): PlatformConfig {
    const parsed = configSchema.safeParse(raw ?? {});
    if (!parsed.success) throw new ConfigError(parsed.error.issues.flatMap((i) => issueToProblems(i, raw)));
    const problems = [...droppedKeys(raw, parsed.data), ...crossFieldProblems(parsed.data)];
    if (problems.length) throw new ConfigError(problems);
    return parsed.data;
}
