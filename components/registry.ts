// Container registries: digests looked up before anything else (so a pull request's preview shows
// which apps would be released, and a bad credential fails before any change), and logins on the
// server for pulling private images (GHCR packages often are).
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Host } from "./host";
import { registryOf } from "../config/naming";
import { script, shq } from "../render/shell";
import { ConfigError, Problem } from "../config/problem";

export interface RegistryCredential {
    readonly server: string;
    readonly username: string;
    readonly token: pulumi.Output<string>;
}

export interface ImageToPin {
    /** Config field of the image, e.g. apps[0].backend.image. */
    readonly field: string;
    /** Who it belongs to, in the user's words: "app1 backend". */
    readonly who: string;
    readonly image: string;
}

/**
 * Each image pinned to the registry's current digest for its tag (as written when it already pins
 * one). Throws ConfigError with one line per image the registry refused.
 */
export async function pinImages(images: readonly ImageToPin[], credentials: readonly RegistryCredential[]): Promise<Record<string, string>> {
    const toLookUp = images.filter((i) => !i.image.includes("@sha256:"));
    // A registry-only provider: it never needs a Docker daemon (pulumi-docker#1106).
    const provider = toLookUp.length
        ? new docker.Provider("registry-lookup", {
              disableDockerDaemonCheck: true,
              registryAuth: credentials.map((c) => ({ address: c.server, username: c.username, password: c.token })),
          })
        : undefined;
    const problems: Problem[] = [];
    const pinned: Record<string, string> = {};
    await Promise.all(
        images.map(async (i) => {
            if (!provider || i.image.includes("@sha256:")) return void (pinned[i.field] = i.image);
            const registry = registryOf(i.image);
            try {
                const r = await docker.getRegistryImage({ name: i.image }, { provider });
                if (!/^sha256:[a-f0-9]{64}$/.test(r.sha256Digest ?? "")) throw new Error(`no digest in the answer (${JSON.stringify(r.sha256Digest)})`);
                // The tag stays for people reading it (nginx:1.30@sha256:...); Docker uses the digest.
                pinned[i.field] = `${i.image.split("@")[0]}@${r.sha256Digest}`;
            } catch (err) {
                const detail = (err as { details?: string }).details || (err instanceof Error && err.message) || "the registry refused";
                const hint = credentials.some((c) => c.server === registry)
                    ? `check the token of ${registry} in registries.credentials`
                    : `if the image is private, add ${registry} to registries.credentials with a token`;
                problems.push({ field: i.field, problem: `${i.who}: cannot read the image's digest from ${registry} (${detail}); ${hint}`, got: i.image });
            }
        }),
    );
    if (problems.length) throw new ConfigError(problems.sort((a, b) => a.field.localeCompare(b.field)));
    return pinned;
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
