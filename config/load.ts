// Read stack config from Pulumi (one key per top-level field) and validate it.
import * as pulumi from "@pulumi/pulumi";
import { configSchema, PlatformConfig } from "./schema";
import { validateConfig } from "./validate";

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

export function loadConfig(config = new pulumi.Config()): PlatformConfig {
    return validateConfig(readRawConfig(config));
}
