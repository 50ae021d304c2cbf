// The Scaleway instance: public IP, firewall, SSH key, Ubuntu 24.04 with Docker from cloud-init,
// and a readiness command the Docker provider waits for (docs/engine-notes.md: the provider's host waits for it).
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as command from "@pulumi/command";
import * as random from "@pulumi/random";
import * as scaleway from "@pulumiverse/scaleway";
import { renderCloudInit } from "../render/cloud-init";
import { hostFirewallCommand, type HostSshRule } from "../render/host-firewall";
import { hostKeyFromSeed, knownHostsLine } from "../render/ssh-host-key";
import { DOCKER_SSH_OPTS, ensureSshControlDir, knownHostsFile, pinnedHostOpts, writeKnownHosts, writesKnownHosts } from "./docker-ssh";
import { RemoteHost, sshConnection } from "./host";

/** First boot (package upgrade, Docker) takes 3–6 minutes on a DEV1-M; four times that is a failure. */
export const READY_TIMEOUT = "20m";

/** Instance properties whose change would replace the server with a blank one (docs/engine-notes.md). */
export const SERVER_IGNORED_CHANGES = ["image", "rootVolume", "userData"] as const;

/**
 * A change `up` ignores must not pass silently: when the instance in state differs from config,
 * say so and name the runbook (the engine resolves the state's values at preview too).
 */
function warnOnIgnoredChange(instance: scaleway.instance.Server, args: ServerArgs) {
    pulumi.all([instance.image, instance.rootVolume]).apply(([image, root]) => {
        const changed: string[] = [];
        if (image && image !== args.image) changed.push(`server.image ${image} -> ${args.image}`);
        if (root?.sizeInGb && root.sizeInGb !== args.rootVolumeGb) changed.push(`server.rootVolumeGb ${root.sizeInGb} -> ${args.rootVolumeGb}`);
        if (changed.length)
            pulumi.log.warn(`${changed.join(", ")}: not applied, the server is never replaced by \`pulumi up\` (it would come back blank); rebuild it with docs/runbooks/rebuild-the-server.md`, instance);
    });
}

export interface ServerArgs {
    readonly zone: string;
    readonly type: string;
    readonly image: string;
    readonly rootVolumeGb: number;
    readonly deployUser: string;
    readonly sshPublicKey: string;
    /** Who may reach SSH; a CI runner is let in per job by .github/scripts/ssh-access.sh. */
    readonly adminCidrs: readonly string[];
    /** Whether the host's own firewall admits port 22 from adminCidrs only (server.hostSshRule). */
    readonly hostSshRule: HostSshRule;
    /** An image the server pulls anyway (nginx's, pinned), whose nsenter applies the host firewall as root. */
    readonly rootHelperImage: string;
    /** The private network the server joins (a managed database or a load balancer is on it). */
    readonly privateNetworkId?: pulumi.Input<string>;
    /** Open 80 and 443 to the internet: false behind a load balancer, which reaches nginx privately. @default true */
    readonly publicWeb?: boolean;
    /** The status page's own port, opened to the admin ranges its allow list names (none: closed). */
    readonly statusPage?: { readonly port: number; readonly cidrs: readonly string[] };
    /** The firewall and SSH key of the first server, shared by the others (one rule lets a CI runner reach them all). */
    readonly shared?: { readonly securityGroup: scaleway.instance.SecurityGroup; readonly sshKey: scaleway.iam.SshKey };
    /** Added to the names of the resources on this server ("" for the first). @default "" */
    readonly hostSuffix?: string;
    /** Protect the IP and the instance from deletion; false for a server being removed (server.retire). @default true */
    readonly protect?: boolean;
    /**
     * The host key a server made before the program generated host keys has (server.hostKeys): pinned
     * instead of the generated one, which only a new server's cloud-init installs.
     */
    readonly existingHostKey?: string;
}

/** Where the platform lives on the server. */
const PLATFORM_ROOT = "/opt/platform";

const ipv4Of = (ips: readonly { address: string }[] | undefined) => (ips ?? []).map((i) => i.address.split("/")[0]).find((a) => /^[0-9.]+$/.test(a));

/** The first private IPv4 address of an instance (its IPv6 address comes in the same list). */
export const firstPrivateIpv4 = (ips: readonly { address: string }[] | undefined): string => {
    const ip = ipv4Of(ips);
    if (!ip) throw new Error("the server has no private IPv4 address on its private network");
    return ip;
};

/**
 * The server's private IPv4 address as the program sees it. In a preview an empty list is not yet an
 * answer: a server that joins a private network in place keeps its prior, empty `privateIps` until the
 * provider reads it back after the update (docs/engine-notes.md "Preview: computed outputs"), so the
 * address is unknown there, as a new server's is. At `up` the list has been read: empty is an error.
 */
export const privateIpv4 = (ips: readonly { address: string }[] | undefined, preview = pulumi.runtime.isDryRun()): pulumi.Output<string> => {
    if (preview && !ipv4Of(ips)) return pulumi.output(pulumi.unknown as unknown as string);
    return pulumi.output(firstPrivateIpv4(ips));
};

export class Server extends pulumi.ComponentResource {
    readonly ip: scaleway.instance.Ip;
    readonly securityGroup: scaleway.instance.SecurityGroup;
    readonly sshKey: scaleway.iam.SshKey;
    readonly instance: scaleway.instance.Server;
    readonly ready: command.remote.Command;
    readonly host: RemoteHost;
    readonly publicIp: pulumi.Output<string>;
    /** Its address on the private network (when it joined one). */
    readonly privateIp?: pulumi.Output<string>;
    /** The SSH host key every connection to it accepts (`ssh-ed25519 AAAA...`), and no other. */
    readonly hostKey: pulumi.Output<string>;
    /** The host firewall's port-22 rule, applied over SSH. */
    readonly sshFirewall: pulumi.CustomResource;

    constructor(name: string, args: ServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:Server", name, {}, opts);
        // The address DNS points at: protected, a destroy that removes it needs a DNS change.
        this.ip = new scaleway.instance.Ip(`${name}-ip`, { zone: args.zone }, { parent: this, protect: args.protect ?? true });
        this.publicIp = this.ip.address;
        this.securityGroup = args.shared?.securityGroup ?? this.firewall(name, args);
        // Scaleway refuses the same public key twice: the servers share the first one's.
        this.sshKey = args.shared?.sshKey ?? new scaleway.iam.SshKey(`${name}-ssh-key`, { publicKey: args.sshPublicKey }, { parent: this });
        // The host key: generated here (its seed secret in state), installed by cloud-init, pinned by every connection.
        // Deleted only after the instance that depends on it (protected but for a retiring server).
        const seed = new random.RandomBytes(`${name}-host-key`, { length: 32 }, { parent: this });
        const generated = pulumi.secret(seed.base64.apply((b) => hostKeyFromSeed(b, `${pulumi.getProject()}-${name}`)));
        this.hostKey = args.existingHostKey ? pulumi.output(args.existingHostKey) : pulumi.unsecret(generated.apply((k) => k.publicKey));
        this.instance = this.machine(name, args, generated);
        warnOnIgnoredChange(this.instance, args);
        if (args.privateNetworkId) this.privateIp = this.instance.privateIps.apply((ips) => privateIpv4(ips));

        const connection = { host: this.ip.address, user: args.deployUser, hostKey: this.hostKey };
        // First boot: keep dialling until sshd is up, then wait for cloud-init to finish. Bounded,
        // so an address the security group drops fails the update instead of hanging the job.
        this.ready = new command.remote.Command(
            `${name}-ready`,
            {
                connection: { ...sshConnection(connection), dialErrorLimit: -1, perDialTimeout: 10 },
                create: "cloud-init status --wait >/dev/null; docker info --format '{{.ServerVersion}}'",
                addPreviousOutputInEnv: false,
            },
            { parent: this, dependsOn: [this.instance, this.securityGroup], customTimeouts: { create: READY_TIMEOUT } },
        );
        // The provider's host depends on the readiness output, so it is configured only after it.
        // Its ssh multiplexes through a socket in ~/.ssh, which must exist here (components/docker-ssh.ts),
        // and accepts only the pinned key, from a known_hosts file of this server's own, written first.
        ensureSshControlDir();
        const knownHosts = knownHostsFile(pulumi.getProject(), pulumi.getStack(), name);
        const pinned = pinnedHostOpts(knownHosts);
        const write = (ip: string, key: string) => writesKnownHosts() && writeKnownHosts(knownHosts, knownHostsLine(ip, key));
        const dockerProvider = new docker.Provider(
            `${name}-docker`,
            {
                host: pulumi.all([this.ip.address, this.ready.stdout, this.hostKey]).apply(([ip, , key]) => {
                    write(ip, key);
                    return `ssh://${args.deployUser}@${ip}`;
                }),
                sshOpts: [...pinned, ...DOCKER_SSH_OPTS],
            },
            { parent: this },
        );
        this.host = new RemoteHost(dockerProvider, connection, this.ready, args.hostSuffix ?? "", { options: pinned, write });
        // cloud-init set UFW's SSH rule once; this keeps it in step with config on every server,
        // old ones included. Refused (and nothing changed) when it would cut off this session.
        this.sshFirewall = this.host.runScript("ssh-firewall", { create: hostFirewallCommand(this.sshAccess(args), args.rootHelperImage) }, { parent: this });
        this.registerOutputs({ publicIp: this.publicIp });
    }

    /** Everything inbound dropped but SSH from the admin addresses, and the web unless behind a load balancer. */
    private firewall(name: string, args: ServerArgs) {
        const rule = (port: number, ipRange: string) => ({ action: "accept", protocol: "TCP", port, ipRange });
        const web = args.publicWeb === false ? [] : [rule(80, "0.0.0.0/0"), rule(80, "::/0"), rule(443, "0.0.0.0/0"), rule(443, "::/0")];
        return new scaleway.instance.SecurityGroup(
            `${name}-firewall`,
            {
                zone: args.zone,
                stateful: true,
                inboundDefaultPolicy: "drop",
                outboundDefaultPolicy: "accept",
                inboundRules: [...web, ...(args.statusPage?.cidrs.map((cidr) => rule(args.statusPage!.port, cidr)) ?? []), ...args.adminCidrs.map((cidr) => rule(22, cidr))],
            },
            { parent: this },
        );
    }

    private sshAccess(args: ServerArgs) {
        return { rule: args.hostSshRule, adminCidrs: args.adminCidrs };
    }

    /** The instance, set up by cloud-init on first boot. */
    private machine(name: string, args: ServerArgs, hostKey: pulumi.Output<{ privateKey: string; publicKey: string }>) {
        return new scaleway.instance.Server(
            `${name}-instance`,
            {
                zone: args.zone,
                type: args.type,
                image: args.image,
                ipId: this.ip.id,
                securityGroupId: this.securityGroup.id,
                rootVolume: { sizeInGb: args.rootVolumeGb, deleteOnTermination: true },
                tags: ["mhylle-platform"],
                ...(args.privateNetworkId ? { privateNetworks: [{ pnId: args.privateNetworkId }] } : {}),
                // userData, not cloudInit, which diffs forever (docs/engine-notes.md).
                // Secret: it holds the host's private key.
                userData: { "cloud-init": pulumi.secret(hostKey.apply((k) => renderCloudInit({ deployUser: args.deployUser, sshPublicKey: args.sshPublicKey, root: PLATFORM_ROOT, hostKey: k, sshAccess: this.sshAccess(args) }))) },
            },
            // Never replaced by `up`: a new image or root volume would replace the instance with a
            // blank one on the same IP, every resource on it would look unchanged, and `up` would end
            // green on an empty machine. Rebuilds go through docs/runbooks/rebuild-the-server.md.
            // userData is ignored too: cloud-init runs once; SSH access (server.adminCidrs) is kept in
            // step by the security group, which the provider updates through Scaleway's API, and by
            // the ssh-firewall command on the host.
            { parent: this, dependsOn: [this.sshKey], protect: args.protect ?? true, ignoreChanges: [...SERVER_IGNORED_CHANGES] },
        );
    }
}
