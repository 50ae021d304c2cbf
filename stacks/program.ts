// The program behind index.ts, as a function so tests and render can run it under mocks.
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./load";
import { ConfigError } from "./problem";
import { deployLocal, deployScaleway } from "./targets";

export function program(config = new pulumi.Config()) {
    let cfg;
    try {
        cfg = loadConfig(config);
    } catch (err) {
        // One line per problem, no stack trace, before any resource exists.
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
    const deployment = cfg.target === "scaleway" ? deployScaleway(cfg, config.requireSecret("sshPrivateKey")) : deployLocal(cfg);
    return {
        address: deployment.address,
        urls: cfg.apps.map((a) => `https://${cfg.domain}${a.routePrefix ?? `/${a.name}`}/`),
    };
}
