// The server as the rest of the program sees it: a Docker engine and a way to run scripts on it.
// The scaleway target reaches both over SSH; the local target uses this machine.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import { createDataFolderScript, removeDataFolderScript } from "../render/data-folder";

export interface HostCommandArgs {
    /** Bash script run on create (and on update unless `update` is given). */
    readonly create: pulumi.Input<string>;
    readonly update?: pulumi.Input<string>;
    readonly delete?: pulumi.Input<string>;
    /** Data for the script; the only channel for secrets. */
    readonly stdin?: pulumi.Input<string>;
    /** Changing these replaces the command: only for identity, never for data (docs/engine-notes.md). */
    readonly triggers?: pulumi.Input<unknown[]>;
    /** The script may print secrets: log nothing and keep stdout secret. */
    readonly quiet?: boolean;
    /** Shown live, but stdout and stderr secret in state: a release's output can quote its containers' logs. */
    readonly secretOutput?: boolean;
}

export interface Host {
    /** Folder on the server that holds the platform's files: /opt/platform on a real server. */
    readonly root: string;
    /**
     * Added to the name of every resource on this host: "" on the first server (its names are the
     * names a single server always had), "-s2", "-s3", ... on the others.
     */
    readonly suffix: string;
    /** A resource name on this host: `base` plus the host's suffix. */
    name(base: string): string;
    /** The server's Docker engine. */
    readonly docker: docker.Provider;
    /** The address the platform's domain must resolve to (the server's public IP; 127.0.0.1 locally). */
    readonly address: pulumi.Input<string>;
    /** What every resource on the host waits for (the server ready; the local data folder made). */
    readonly ready: pulumi.Resource;
    /**
     * Words that run a command on the server from where `pulumi up` runs (the release coordinator
     * of several servers): `ssh ... user@address`, or `env` on this machine.
     */
    readonly runner: pulumi.Input<string[]>;
    /** Run a bash script on the server as a command resource (named `host.name(name)`). */
    runScript(name: string, args: HostCommandArgs, opts?: pulumi.CustomResourceOptions): pulumi.CustomResource;
}

/** Options with the host's readiness added to dependsOn. */
function afterReady(ready: pulumi.Resource, opts: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
    const given = Array.isArray(opts.dependsOn) ? opts.dependsOn : opts.dependsOn ? [opts.dependsOn] : [];
    return { ...opts, dependsOn: [ready, ...given] as pulumi.Input<pulumi.Resource>[] };
}

// A script's inputs, the same for both kinds of command. No previous output in the environment
// (it asks sshd to accept PULUMI_COMMAND_STDOUT, which Ubuntu's refuses: a warning on every
// update; docs/engine-notes.md).
const scriptInputs = (args: HostCommandArgs) => ({
    create: args.create,
    update: args.update,
    delete: args.delete,
    stdin: args.stdin,
    triggers: args.triggers,
    addPreviousOutputInEnv: false,
    ...(args.quiet ? { logging: "none" as const } : {}),
});
const quietResourceOptions = (args: HostCommandArgs): pulumi.CustomResourceOptions =>
    args.quiet || args.secretOutput ? { additionalSecretOutputs: ["stdout", "stderr"] } : {};

/** The local Docker engine and local bash: the default a newcomer runs first. */
export class LocalHost implements Host {
    readonly docker: docker.Provider;
    readonly address = "127.0.0.1";
    /** The data folder: made first, removed last on destroy (only the platform's own folders in it). */
    readonly ready: pulumi.Resource;
    readonly runner: string[];
    /**
     * @param dockerHost another engine of this machine standing in for another server (tests):
     * its provider and every script on it use it; the default engine otherwise.
     */
    constructor(
        readonly root: string,
        parent?: pulumi.Resource,
        readonly suffix = "",
        private readonly dockerHost?: string,
    ) {
        // DOCKER_HOST, as the provider itself reads it: tools/try-local.sh sets it from the docker CLI's
        // current context (Docker Desktop, colima, rootless), which the provider never reads.
        this.docker = new docker.Provider(this.name("local-docker"), { host: dockerHost ?? process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock" }, { parent });
        this.runner = ["env", ...(dockerHost ? [`DOCKER_HOST=${dockerHost}`] : [])];
        this.ready = this.command(this.name("local-data"), { create: createDataFolderScript(root), delete: removeDataFolderScript(root) }, { parent });
    }
    name(base: string): string {
        return base + this.suffix;
    }
    runScript(name: string, args: HostCommandArgs, opts: pulumi.CustomResourceOptions = {}): pulumi.CustomResource {
        return this.command(this.name(name), args, afterReady(this.ready, opts));
    }
    private command(name: string, args: HostCommandArgs, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
        return new command.local.Command(
            name,
            {
                interpreter: ["/bin/bash", "-c"],
                ...scriptInputs(args),
                ...(this.dockerHost ? { environment: { DOCKER_HOST: this.dockerHost } } : {}),
            },
            { ...opts, ...quietResourceOptions(args) },
        );
    }
}

export interface SshConnection {
    readonly host: pulumi.Input<string>;
    readonly user: string;
    /** The server's host key (`ssh-ed25519 AAAA...`): without it pulumi-command accepts any (docs/engine-notes.md section 17). */
    readonly hostKey: pulumi.Input<string>;
}

/** How a `ssh` run from where `pulumi up` runs pins the server's key: its options, and the known_hosts writer. */
export interface PinnedHost {
    readonly options: readonly string[];
    write(address: string, hostKey: string): void;
}

/**
 * The connection a command resource gets: no key in it, ever. The deploy key is in the ssh-agent of
 * the machine running `pulumi up` (checked by stacks/preflight.ts), the one way both providers can
 * use: pulumi-command dials $SSH_AUTH_SOCK by itself, and the Docker provider's ssh:// runs the
 * system `ssh`, which has no key input (docs/engine-notes.md section 4). No key text in the inputs
 * also means a key's formatting can never change the connection and re-run every script.
 */
export function sshConnection(c: SshConnection) {
    return { host: c.host, user: c.user, hostKey: c.hostKey };
}

/** A server reached over SSH; scripts run in the deploy user's bash login shell. */
export class RemoteHost implements Host {
    readonly root = "/opt/platform";
    readonly address: pulumi.Input<string>;
    readonly runner: pulumi.Output<string[]>;
    constructor(
        readonly docker: docker.Provider,
        readonly connection: SshConnection,
        readonly ready: pulumi.Resource,
        readonly suffix = "",
        pinned: PinnedHost,
    ) {
        this.address = connection.host;
        // The agent's key (stacks/preflight.ts checks the agent holds it); the server's key pinned.
        const options = ["BatchMode=yes", "ConnectTimeout=20", "ServerAliveInterval=15", "ServerAliveCountMax=4"];
        this.runner = pulumi.all([connection.host, connection.hostKey]).apply(([h, key]) => {
            pinned.write(h, key);
            return ["ssh", ...pinned.options, ...options.flatMap((o) => ["-o", o]), `${connection.user}@${h}`];
        });
    }
    name(base: string): string {
        return base + this.suffix;
    }
    runScript(name: string, args: HostCommandArgs, opts: pulumi.CustomResourceOptions = {}): pulumi.CustomResource {
        return new command.remote.Command(
            this.name(name),
            {
                connection: { ...sshConnection(this.connection), dialErrorLimit: 30 },
                ...scriptInputs(args),
            },
            { ...afterReady(this.ready, opts), ...quietResourceOptions(args) },
        );
    }
}
