// TLS certificates from Let's Encrypt (or any ACME directory): first issuance during `pulumi up`,
// renewal and expiry check as scheduled jobs. Until the first certificate lands nginx serves the
// bootstrap self-signed one its config delivery creates, so nginx never waits for the CA.
import * as pulumi from "@pulumi/pulumi";
import { Host } from "./host";
import { ScheduledJob } from "../render/schedule";
import { acmeDirectoryUrl, TlsInput } from "../render/tls/certbot";
import { firstIssueJob, issueCertificateScript, serverAddressScript } from "../render/tls/issue";
import { renewalJob } from "../render/tls/renew";
import { expiryJob } from "../render/tls/expiry";
import type { PlatformConfig } from "../config/schema";

export interface CertificatesArgs {
    readonly host: Host;
    /** Primary domain: names the lineage nginx serves (certs/live/<domain>/). */
    readonly domain: string;
    readonly aliases: readonly string[];
    readonly acme: PlatformConfig["acme"];
    /** Pinned certbot image. */
    readonly certbotImage: string;
    /** The running proxy: issuance needs it to answer the HTTP-01 challenge. */
    readonly proxy: pulumi.Resource;
    /** The address every name must resolve to before the first certificate is requested. */
    readonly serverAddress: pulumi.Input<string>;
    /** Behind the load balancer, which holds the certificate: no issuance, renewal or expiry job here. */
    readonly atLoadBalancer?: boolean;
}

export class Certificates extends pulumi.ComponentResource {
    /** The issuance command; absent when ACME is disabled (the self-signed certificate stays). */
    readonly issued?: pulumi.Resource;
    /** Renewal (with ACME) and the expiry check, for the platform's Scheduler. */
    readonly jobs: readonly ScheduledJob[];

    constructor(name: string, args: CertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:Certificates", args.host.name(name), {}, opts);
        const tls: TlsInput = { root: args.host.root, domain: args.domain, aliases: args.aliases, certbotImage: args.certbotImage };
        const expiry = expiryJob({ ...tls, warnDays: args.acme.warnDays });
        if (args.atLoadBalancer) {
            this.jobs = [];
        } else if (args.acme.enabled) {
            const issue = issueCertificateScript({ ...tls, directoryUrl: acmeDirectoryUrl(args.acme.directory), email: args.acme.email });
            const address = args.host.runScript(`${name}-address`, { create: serverAddressScript(args.host.root), stdin: args.serverAddress }, { parent: this });
            // Names, directory and email are in the script text: changing any re-runs it (an update).
            // Until DNS points at the server it converges without a certificate (see issue.ts).
            this.issued = args.host.runScript(`${name}-issue`, { create: issue }, { parent: this, dependsOn: [args.proxy, address] });
            this.jobs = [renewalJob(tls, issue), firstIssueJob(tls, issue), expiry];
        } else {
            this.jobs = [expiry];
        }
        this.registerOutputs({});
    }
}
