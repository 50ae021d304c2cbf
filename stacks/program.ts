// The program behind index.ts, as a function so tests and render can run it under mocks.
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./load";
import { ConfigError } from "./problem";
import { deployLocal, deployScaleway } from "./targets";

/** A secret key that must be set (Pulumi.yaml's empty default does not count). */
function requiredSecret(config: pulumi.Config, key: string): pulumi.Output<string> {
    if (!config.get(key)) throw new pulumi.RunError(`${key}: is required when backups.offsite.enabled is true; set it with pulumi config set --secret ${key} VALUE (got nothing)`);
    return config.requireSecret(key);
}

export function program(config = new pulumi.Config()) {
    let cfg;
    try {
        cfg = loadConfig(config);
    } catch (err) {
        // One line per problem, no stack trace, before any resource exists.
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
    // Off-site keys are secrets, so they live in their own config keys, not in `backups`.
    const offsiteKeys = cfg.backups.offsite.enabled ? { accessKey: requiredSecret(config, "backupAccessKey"), secretKey: requiredSecret(config, "backupSecretKey") } : undefined;
    const deployment = cfg.target === "scaleway" ? deployScaleway(cfg, config.requireSecret("sshPrivateKey"), { offsiteKeys }) : deployLocal(cfg);
    return {
        address: deployment.address,
        urls: cfg.apps.map((a) => `https://${cfg.domain}${a.routePrefix ?? `/${a.name}`}/`),
    };
}
