// Scaleway's managed Load Balancer in front of the app servers: a public IP (protected: DNS points
// at it), TLS ended here with the load balancer's own Let's Encrypt certificate for the domain and
// its aliases, HTTP redirected to HTTPS, and one backend: every server's nginx on its private
// address, with the PROXY protocol carrying the client's address and explicit fast health checks
// (render/lb/backend.ts, shared with the HAProxy stand-in the tests run).
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";
import type { BackendSettings } from "../render/lb/backend";
import { PassThroughTarget, passthroughBackend } from "./lb-passthrough";

export interface LoadBalancerArgs {
    readonly zone: string;
    /** Offer, e.g. LB-S. */
    readonly type: string;
    readonly privateNetworkId: pulumi.Input<string>;
    readonly backend: BackendSettings;
    readonly domain: string;
    readonly aliases: readonly string[];
    /** Ask Let's Encrypt (through the load balancer) for the certificate: only once DNS points at the load balancer. */
    readonly letsEncrypt: boolean;
}

const seconds = (s: number) => `${s}s`;

export class LoadBalancer extends pulumi.ComponentResource {
    readonly ip: scaleway.loadbalancers.Ip;
    readonly lb: scaleway.loadbalancers.LoadBalancer;
    backend?: scaleway.loadbalancers.Backend;
    certificate?: scaleway.loadbalancers.Certificate;
    readonly frontends: scaleway.loadbalancers.Frontend[] = [];
    /** The address DNS points at. */
    readonly publicIp: pulumi.Output<string>;
    /** The load balancer's own addresses on the private network: the only peers nginx trusts for the client's address. */
    readonly privateAddresses: pulumi.Output<string[]>;

    constructor(
        private readonly baseName: string,
        private readonly args: LoadBalancerArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("mhylle:platform:LoadBalancer", baseName, {}, opts);
        const name = baseName;
        const zone = args.zone;
        const tags = ["mhylle-platform"];
        this.ip = new scaleway.loadbalancers.Ip(`${name}-ip`, { zone, tags }, { parent: this, protect: true });
        this.publicIp = this.ip.ipAddress;
        this.lb = new scaleway.loadbalancers.LoadBalancer(
            name,
            { zone, type: args.type, name: "mhylle-platform", ipIds: [this.ip.id], privateNetworks: [{ privateNetworkId: args.privateNetworkId }], tags },
            { parent: this },
        );
        this.privateAddresses = this.lb.privateIps.apply((ips) => {
            const addresses = (ips ?? []).map((i) => i.address.split("/")[0]);
            if (!addresses.length) throw new Error("the load balancer has no address on the private network");
            return addresses;
        });
        this.registerOutputs({ publicIp: this.publicIp });
    }

    /**
     * The servers as its backend, and the frontends: once the servers serve (`ready`: their apps
     * released and their nginx answering, stacks/targets.ts), so a new server joins the pool only
     * when it has something to serve.
     */
    serve(serverIps: pulumi.Input<string>[], ready: pulumi.Resource[], passThroughTo?: PassThroughTarget): scaleway.loadbalancers.Backend {
        const name = this.baseName;
        const args = this.args;
        const b = args.backend;
        const backend = new scaleway.loadbalancers.Backend(
            `${name}-servers`,
            {
                lbId: this.lb.id,
                name: "app-servers",
                forwardProtocol: "http",
                forwardPort: b.port,
                serverIps,
                // The client's address reaches nginx in a PROXY v2 header, whatever the request says.
                proxyProtocol: "v2",
                // nginx's listener expects the header on every connection, the checks' too.
                healthCheckSendProxy: true,
                healthCheckHttp: { uri: b.healthPath, method: "GET", code: 200 },
                healthCheckDelay: seconds(b.delaySeconds),
                healthCheckTimeout: seconds(b.timeoutSeconds),
                healthCheckMaxRetries: b.retries,
                healthCheckPort: b.port,
                onMarkedDownAction: "none",
                timeoutConnect: seconds(b.connectTimeoutSeconds),
                timeoutServer: seconds(b.serverTimeoutSeconds),
            },
            { parent: this, dependsOn: ready },
        );
        this.backend = backend;
        if (passThroughTo !== undefined) this.passThrough(passThroughTo);
        else this.terminateTls(backend);
        return backend;
    }

    /**
     * Phase dns: 80 and 443 reach server 1's nginx as they are (TCP), its certificate included; the
     * load balancer asks for none of its own, Let's Encrypt would check a DNS not yet moved. The
     * frontends keep their names: moving one to the servers' backend replaces it, delete first
     * (backend_id is ForceNew, docs/engine-notes.md section 18), only once its inputs resolve.
     */
    private passThrough(to: PassThroughTarget) {
        const name = this.baseName;
        const b = this.args.backend;
        const via = (port: number, serverPort: number) => passthroughBackend(this, name, this.lb.id, to.address, port, serverPort, b);
        for (const [port, serverPort, fe] of [[443, to.httpsPort, "https"], [80, to.httpPort, "http"]] as const)
            this.frontends.push(
                new scaleway.loadbalancers.Frontend(
                    `${name}-${fe}`,
                    { lbId: this.lb.id, backendId: via(port, serverPort).id, name: fe, inboundPort: port, timeoutClient: seconds(b.serverTimeoutSeconds) },
                    { parent: this },
                ),
            );
    }

    /** The load balancer's own frontends on the servers' backend: HTTPS with its certificate, 80 redirected. */
    private terminateTls(backend: scaleway.loadbalancers.Backend) {
        const name = this.baseName;
        const args = this.args;
        const b = args.backend;
        // Port 80: a redirect to HTTPS once the certificate is there; until then the site itself.
        const redirect = { name: "to-https", action: { type: "redirect", redirects: [{ type: "scheme", target: "https", code: 301 }] }, match: { ipSubnets: ["0.0.0.0/0", "::/0"] } };
        const http = new scaleway.loadbalancers.Frontend(
            `${name}-http`,
            { lbId: this.lb.id, backendId: backend.id, name: "http", inboundPort: 80, ...(args.letsEncrypt ? { acls: [redirect] } : {}), timeoutClient: seconds(b.serverTimeoutSeconds) },
            { parent: this },
        );
        if (args.letsEncrypt) {
            // No name: autonamed, a new alias's certificate is issued before the frontend moves to it
            // and the old one is deleted after (a set name would delete first: docs/engine-notes.md 9).
            this.certificate = new scaleway.loadbalancers.Certificate(
                `${name}-certificate`,
                { lbId: this.lb.id, letsencrypt: { commonName: args.domain, subjectAlternativeNames: [...args.aliases] } },
                // After port 80 is the load balancer's own HTTP frontend (no longer passed through to server 1).
                { parent: this, dependsOn: [http] },
            );
            this.frontends.push(
                new scaleway.loadbalancers.Frontend(
                    `${name}-https`,
                    { lbId: this.lb.id, backendId: backend.id, name: "https", inboundPort: 443, certificateIds: this.readyCertificateIds(this.certificate), timeoutClient: seconds(b.serverTimeoutSeconds) },
                    { parent: this },
                ),
            );
        }
        this.frontends.push(http); // after https: the order the frontends always had
    }

    /**
     * `value` once every frontend and the servers' backend are what this `up` declared. A stack
     * output built on it is not sent when one failed (a certificate not `ready` included), and the
     * engine then keeps the last `up`'s value (docs/engine-notes.md section 26): the next step of
     * going from one server to several is read from an `up` that got there.
     */
    whenServing<T>(value: T): pulumi.Output<T> {
        return pulumi.all([...this.frontends.map((f) => f.id), ...(this.backend ? [this.backend.id] : [])]).apply(() => value);
    }

    /**
     * The certificate's ID only once it is `ready`. The provider's create waits for `ready` or `error`
     * and returns success for both (a warning only: docs/engine-notes.md 9), so without this a failed
     * validation would move the HTTPS frontend onto it and the old certificate would be deleted.
     * Throwing fails the run before the frontend's update and before any delete.
     */
    private readyCertificateIds(certificate: scaleway.loadbalancers.Certificate): pulumi.Output<string[]> {
        const names = [this.args.domain, ...this.args.aliases];
        return pulumi.all([certificate.id, certificate.status, certificate.urn, this.publicIp]).apply(([id, status, urn, ip]) => {
            if (status !== "ready") throw new pulumi.ResourceError(certificateNotReady({ status, names, urn, address: ip }), certificate, true);
            return [id];
        });
    }
}

/** Why the HTTPS frontend keeps its certificate, and the fix, in the user's words. */
export function certificateNotReady(c: { status: string | undefined; names: readonly string[]; urn: string; address: string }): string {
    return (
        `the load balancer's Let's Encrypt certificate for ${c.names.join(", ")} is "${c.status ?? "unknown"}", not "ready": ` +
        `Let's Encrypt could not validate every name. The HTTPS frontend keeps its current certificate and nothing is deleted. ` +
        `Fix DNS: each name needs an A record to the load balancer (${c.names.map((n) => `${n}. A ${c.address}`).join("; ")}), ` +
        `then issue it again: pulumi up --replace '${c.urn}'`
    );
}
