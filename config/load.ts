// Read stack config from Pulumi (one key per top-level field) and validate it.
import * as pulumi from "@pulumi/pulumi";
import { configSchema, PlatformConfig } from "./schema";
import { validateConfig } from "./validate";
import { strayKeyProblems } from "./stray-keys";
import { ConfigError } from "./problem";

/** Top-level keys of stack config, each a Pulumi config key of this project. */
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof PlatformConfig)[];

/** Raw values as the user wrote them; strings stay strings, objects are JSON-parsed. */
export function readRawConfig(config = new pulumi.Config()): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const key of CONFIG_KEYS) {
        const text = config.get(key);
        if (text === undefined) continue;
        try {
            raw[key] = JSON.parse(text);
        } catch {
            raw[key] = text; // a plain string such as `target: local`
        }
    }
    return raw;
}

/**
 * The validated config; refused (ConfigError, every problem at once) when it is bad or when the
 * stack holds a key nothing reads (config/stray-keys.ts: Pulumi gives the program every key).
 */
export function loadConfig(config = new pulumi.Config()): PlatformConfig {
    const raw = readRawConfig(config);
    const problems = strayKeyProblems(Object.keys(pulumi.runtime.allConfig()), raw);
    try {
        const cfg = validateConfig(raw);
        if (!problems.length) return cfg;
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.unshift(...err.problems);
    }
    throw new ConfigError(problems);
}
