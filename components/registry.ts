// Container registries: logins on the server for pulling private images (GHCR packages often are).
// The digests are looked up before anything else, in stacks/preflight.ts.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { Host } from "./host";
import { script, shq } from "../render/shell";

export interface RegistryCredential {
    readonly server: string;
    readonly username: string;
    readonly token: pulumi.Output<string>;
}

export interface RegistryLoginsArgs {
    readonly host: Host;
    readonly credentials: readonly RegistryCredential[];
}

/**
 * The login command's resource name for a registry host. Hosts of letters, digits and dots keep
 * the name they always had (dots as hyphens); a host with a hyphen or a port would share that
 * form with another host (ghcr-io and ghcr.io), so its name carries a hash of the host after an
 * underscore, which the first form never has. Such a login was named in the first form before:
 * it keeps that identity through an alias unless another host of this config also claims it.
 */
export function loginResourceName(prefix: string, server: string, allServers: readonly string[]): { name: string; aliases: string[] } {
    const legacy = (host: string) => `${prefix}-${host.replace(/[^a-z0-9]+/g, "-")}`;
    if (/^[a-z0-9.]+$/.test(server)) return { name: legacy(server), aliases: [] };
    const name = `${legacy(server)}_${createHash("sha256").update(server).digest("hex").slice(0, 8)}`;
    const shared = allServers.filter((s) => legacy(s) === legacy(server)).length > 1;
    return { name, aliases: shared ? [] : [legacy(server)] };
}

/** `docker login` on the server for each registry with a credential; releases pull after them. */
export class RegistryLogins extends pulumi.ComponentResource {
    readonly logins: pulumi.Resource[];

    constructor(name: string, args: RegistryLoginsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:RegistryLogins", args.host.name(name), {}, opts);
        const servers = args.credentials.map((c) => c.server);
        this.logins = args.credentials.map((c) => {
            const id = loginResourceName(name, c.server, servers);
            return args.host.runScript(
                id.name,
                {
                    // The token arrives on stdin and goes to docker on stdin: never on a command line.
                    create: script(`docker login ${shq(c.server)} --username ${shq(c.username)} --password-stdin >/dev/null`, `echo "logged in to ${c.server}"`),
                    delete: script(`docker logout ${shq(c.server)} >/dev/null 2>&1 || true`),
                    stdin: c.token,
                    quiet: true,
                },
                { parent: this, aliases: id.aliases.map((alias) => ({ name: args.host.name(alias) })) },
            );
        });
        this.registerOutputs({});
    }
}
