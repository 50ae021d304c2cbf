// The program behind index.ts, as a function so tests and render can run it under mocks.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, Problem } from "../config/problem";
import { deployLocal, deployScaleway } from "./targets";
import type { PlatformConfig } from "../config/schema";
import { Preflight, preflight } from "./preflight";
import { checkServerCount, ownStack, serversOutput, stepUnderWay } from "./server-count";
import { heldImagesOutput, ownHeldImages } from "./held-images";
import { checkHostKeys, hostKeysOutput } from "./host-keys";
import { nextStep } from "./lb-phase";
import { checkDatabaseStep, databaseOutput } from "./database-step";

/** Where people open the apps: the domain, or on the local target this machine's HTTPS port. */
export const publicBase = (cfg: PlatformConfig) =>
    cfg.target === "local" ? `https://127.0.0.1${cfg.proxy.httpsPort === 443 ? "" : `:${cfg.proxy.httpsPort}`}` : `https://${cfg.domain}`;

/** Pulumi prints a RunError without a stack trace: one line per problem. */
export class RefusedConfig extends pulumi.RunError {
    constructor(readonly problems: readonly Problem[]) {
        super(new ConfigError(problems).message);
    }
}

/**
 * Pre-flight first (stacks/preflight.ts), then the platform on its target: bad input or a refused
 * registry fails the run with one line per problem, no stack trace, before any resource is declared.
 */
export async function program(config = new pulumi.Config()) {
    let checked: Preflight;
    try {
        // One reference to the stack itself, made when first needed: it reads what the last `up` exported.
        let self: pulumi.StackReference | undefined;
        const own = () => (self ??= ownStack());
        checked = await preflight(config, () => ownHeldImages(own()));
        if (checked.cfg.target === "scaleway") {
            await checkServerCount(checked.cfg, own());
            await checkDatabaseStep(checked.cfg, own());
            await checkHostKeys(checked.cfg, own());
        }
    } catch (err) {
        if (err instanceof ConfigError) throw new RefusedConfig(err.problems);
        throw err;
    }
    const { cfg, releases, alertSecrets, appSecrets, pitrCipherPass } = checked;
    const deployment =
        cfg.target === "scaleway"
            ? deployScaleway(cfg, releases, { alertSecrets, appSecrets, pitrCipherPass })
            : deployLocal(cfg, releases, process.cwd(), { alertSecrets, appSecrets, pitrCipherPass }, cfg.database.managed.enabled ? config.requireSecret("managedDatabaseAdminPassword") : undefined);
    return {
        address: deployment.address,
        urls: cfg.apps.map((a) => `${publicBase(cfg)}${a.routePrefix ?? `/${a.name}`}/`),
        // What to put in DNS: the first certificate is requested once every name points here.
        dnsRecords: pulumi.output(deployment.address).apply((ip) => [cfg.domain, ...cfg.aliases].map((name) => `${name}. A ${ip}`)),
        // Read by .github/scripts/ssh-access.sh to let a CI runner through for the length of a job.
        sshFirewall: deployment.server && { zone: cfg.server.zone, securityGroupId: deployment.server.securityGroup.id },
        // Read back by the next run's count and phase checks (stacks/server-count.ts). A phase or
        // retire step is written only once the load balancer's frontends and pool are this up's, else
        // the last up's value stays (docs/engine-notes.md section 26); any other up's count at once.
        servers: deployment.loadBalancer && stepUnderWay(cfg) ? deployment.loadBalancer.whenServing(serversOutput(cfg)) : serversOutput(cfg),
        // Read back by the next run's check of the move onto the managed database (stacks/database-step.ts).
        database: databaseOutput(cfg),
        // Read back by the next run: Watchtower's digest moves only by a config change (stacks/held-images.ts).
        heldImages: heldImagesOutput(cfg, releases.images),
        // The SSH host key each server is pinned to (public); its absence marks servers made before pinning (stacks/host-keys.ts).
        hostKeys: deployment.servers && hostKeysOutput(deployment.servers.map((s) => s.hostKey)),
        // With the load balancer: the next step of going from one server to several (stacks/lb-phase.ts).
        nextStep: deployment.loadBalancer && deployment.loadBalancer.publicIp.apply((ip) => nextStep(cfg, ip)),
    };
}
