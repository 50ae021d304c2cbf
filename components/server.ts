// The Scaleway instance: public IP, firewall, SSH key, Ubuntu 24.04 with Docker from cloud-init,
// and a readiness command the Docker provider waits for (FIELD-NOTES: provider host from output).
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as command from "@pulumi/command";
import * as scaleway from "@pulumiverse/scaleway";
import { renderCloudInit } from "../render/cloud-init";
import { RemoteHost } from "./host";

/** First boot (package upgrade, Docker) takes 3–6 minutes on a DEV1-M; four times that is a failure. */
export const READY_TIMEOUT = "20m";

export interface ServerArgs {
    readonly zone: string;
    readonly type: string;
    readonly image: string;
    readonly rootVolumeGb: number;
    readonly deployUser: string;
    readonly sshPublicKey: string;
    /** Private key matching sshPublicKey, for commands over SSH (secret). */
    readonly sshPrivateKey: pulumi.Input<string>;
    /** Who may reach SSH; a CI runner is let in per job by .github/scripts/ssh-access.sh. */
    readonly adminCidrs: readonly string[];
}

export class Server extends pulumi.ComponentResource {
    readonly ip: scaleway.instance.Ip;
    readonly securityGroup: scaleway.instance.SecurityGroup;
    readonly sshKey: scaleway.iam.SshKey;
    readonly instance: scaleway.instance.Server;
    readonly ready: command.remote.Command;
    readonly host: RemoteHost;
    readonly publicIp: pulumi.Output<string>;

    constructor(name: string, args: ServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:Server", name, {}, opts);
        const zone = args.zone;
        this.ip = new scaleway.instance.Ip(`${name}-ip`, { zone }, { parent: this });
        this.publicIp = this.ip.address;

        const rule = (port: number, ipRange: string) => ({ action: "accept", protocol: "TCP", port, ipRange });
        this.securityGroup = new scaleway.instance.SecurityGroup(
            `${name}-firewall`,
            {
                zone,
                stateful: true,
                inboundDefaultPolicy: "drop",
                outboundDefaultPolicy: "accept",
                inboundRules: [
                    rule(80, "0.0.0.0/0"),
                    rule(80, "::/0"),
                    rule(443, "0.0.0.0/0"),
                    rule(443, "::/0"),
                    ...args.adminCidrs.map((cidr) => rule(22, cidr)),
                ],
            },
            { parent: this },
        );

        this.sshKey = new scaleway.iam.SshKey(`${name}-ssh-key`, { publicKey: args.sshPublicKey }, { parent: this });

        const root = "/opt/platform";
        this.instance = new scaleway.instance.Server(
            `${name}-instance`,
            {
                zone,
                type: args.type,
                image: args.image,
                ipId: this.ip.id,
                securityGroupId: this.securityGroup.id,
                rootVolume: { sizeInGb: args.rootVolumeGb, deleteOnTermination: true },
                tags: ["mhylle-platform"],
                // userData, not cloudInit, which diffs forever (FIELD-NOTES).
                userData: { "cloud-init": renderCloudInit({ deployUser: args.deployUser, sshPublicKey: args.sshPublicKey, root }) },
            },
            // cloud-init runs once; SSH access (server.adminCidrs) lives in the security group only,
            // which the provider updates through Scaleway's API, before any command dials the server.
            { parent: this, dependsOn: [this.sshKey], ignoreChanges: ["userData"] },
        );

        const connection = { host: this.ip.address, user: args.deployUser, privateKey: args.sshPrivateKey };
        // First boot: keep dialling until sshd is up, then wait for cloud-init to finish. Bounded,
        // so an address the security group drops fails the update instead of hanging the job.
        this.ready = new command.remote.Command(
            `${name}-ready`,
            {
                connection: { ...connection, dialErrorLimit: -1, perDialTimeout: 10 },
                create: "cloud-init status --wait >/dev/null; docker info --format '{{.ServerVersion}}'",
            },
            { parent: this, dependsOn: [this.instance, this.securityGroup], customTimeouts: { create: READY_TIMEOUT } },
        );

        // The provider's host depends on the readiness output, so it is configured only after it.
        const dockerProvider = new docker.Provider(
            `${name}-docker`,
            {
                host: pulumi.all([this.ip.address, this.ready.stdout]).apply(([ip]) => `ssh://${args.deployUser}@${ip}`),
                sshOpts: ["-o", "StrictHostKeyChecking=accept-new", "-o", "ServerAliveInterval=30"],
            },
            { parent: this },
        );
        this.host = new RemoteHost(dockerProvider, connection, this.ready);
        this.registerOutputs({ publicIp: this.publicIp });
    }
}
