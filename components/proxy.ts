// nginx as a pod of two kinds of container. mhylle-nginx, the holder, owns the network namespace:
// it publishes the ports, joins nginx's network and the app networks, runs only a sleep, and no
// nginx image change replaces it. nginx itself runs in mhylle-nginx-server-<spec hash>, in the
// holder's namespace, every listener `reuseport`: a new image starts a new one beside the running
// one (create before delete), which the engine stops with SIGQUIT at the end of the `up`, once the
// new one answered (docs/engine-notes.md section 25; tests/render/nginx/image-handover.test.ts).
// Its config is rendered here (render/nginx/) and delivered as files on the host by a command
// (stage, nginx -t, swap, reload of every running nginx), so config changes recreate nothing.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Host } from "./host";
import { coreContainer } from "./core-container";
import { proxyHolder } from "./proxy-holder";
import { containerPolicy } from "../render/container-policy";
import { encodeBundle } from "../render/bundle";
import { renderNginxConfig } from "../render/nginx/config";
import { productionOptions } from "../render/nginx/options";
import { deliverNginxConfigScript } from "../render/nginx/deliver";
import { statusPageEnabled } from "../render/nginx/status-page";
import { CERTS_DIR, CONTAINER_PORTS, IN_CONTAINER, NGINX_DIR, NGINX_LOGS_DIR, NGINX_STAGING_DIR, UPSTREAMS_DIR, mainConfig } from "../render/nginx/layout";
import { STATUS_PAGE_DIR } from "../render/monitoring/layout";
import { nginxReadyTest } from "../render/nginx/ready";
import { podRepairJob } from "../render/nginx/pod-repair";
import type { ScheduledJob } from "../render/schedule";
import { CERTBOT_VOLUME, NGINX_ROLE, NGINX_SERVER } from "../config/naming";
import type { PlatformConfig } from "../config/schema";

export interface ProxyArgs {
    readonly host: Host;
    /** The platform's config: the routes, domains, image, ports and memory of the proxy. */
    readonly config: PlatformConfig;
    readonly network: docker.Network;
    /**
     * Behind the load balancer: nginx publishes only its listener for it, on the server's private
     * address; 80 and 443 are the load balancer's.
     */
    readonly loadBalancer?: ProxyBehindLoadBalancer;
    /** Keep what outlives a destroy on a server (the certbot volume); false on the local target. */
    readonly keepData: boolean;
}

export interface ProxyBehindLoadBalancer {
    /** nginx's listener for the load balancer. */
    readonly port: number;
    /** The server's private address. */
    readonly bindAddress: pulumi.Input<string>;
    /** The load balancer's addresses: nginx takes the client address from their PROXY protocol header only. */
    readonly trusted: pulumi.Input<string[]>;
    /** Published on another port of the address than nginx listens on (several servers on one machine, in tests). */
    readonly publishedPort?: number;
}

/** The nginx config of this server, paths relative to the nginx folder; behind the load balancer, known once its addresses are. */
function nginxFiles(cfg: PlatformConfig, lb: ProxyBehindLoadBalancer | undefined) {
    if (!lb) return pulumi.output(renderNginxConfig(cfg));
    return pulumi.output(lb.trusted).apply((trusted) => renderNginxConfig(cfg, { ...productionOptions(cfg), loadBalancer: { port: lb.port, trusted } }));
}

/** nginx finishes in-flight requests on SIGQUIT; long downloads get this long. */
export const PROXY_STOP_GRACE_SECONDS = 30;
/** Graceful quit, set here: the official image says so, but an image without STOPSIGNAL gets SIGTERM, nginx's fast shutdown. */
export const PROXY_STOP_SIGNAL = "SIGQUIT";

/** What nginx publishes: the load balancer's listener, or 80, 443 and the status page's own origin. */
function publishedPorts(cfg: PlatformConfig, lb: ProxyArgs["loadBalancer"]) {
    if (lb) return [{ internal: lb.port, external: lb.publishedPort ?? lb.port, ip: lb.bindAddress, protocol: "tcp" }];
    const at = (internal: number, external: number) => ({ internal, external, ip: cfg.proxy.bindAddress, protocol: "tcp" });
    const page = statusPageEnabled(cfg) ? [at(CONTAINER_PORTS.statusPage, cfg.monitoring.page.port)] : [];
    return [at(80, cfg.proxy.httpPort), at(443, cfg.proxy.httpsPort), ...page];
}

export class Proxy extends pulumi.ComponentResource {
    /** The holder: what publishes the ports and joins networks (apps join it), addressed as mhylle-nginx. */
    readonly container: docker.Container;
    /** The running nginx (its name changes with every replacement; scripts find it by its label). */
    readonly server: docker.Container;
    /** nginx answers /health: what needs it serving (certificate issuance) waits for this. */
    readonly ready: pulumi.Resource;
    readonly config: pulumi.Resource;
    readonly certbotVolume: docker.Volume;
    /** Brings the pod back after Docker restarted its containers in the wrong order (render/nginx/pod-repair.ts). */
    readonly jobs: readonly ScheduledJob[] = [podRepairJob()];

    constructor(name: string, args: ProxyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:Proxy", args.host.name(name), {}, opts);
        const provider = args.host.docker;
        const root = args.host.root;
        const cfg = args.config;

        this.config = args.host.runScript(
            `${name}-config`,
            // The bootstrap certificate's names: the primary domain first.
            { create: deliverNginxConfigScript(root, { domains: [cfg.domain, ...cfg.aliases] }), stdin: nginxFiles(cfg, args.loadBalancer).apply((files) => encodeBundle(files, NGINX_DIR)) },
            // After nginx's network exists: the status page's snippet names its gateway.
            { parent: this, dependsOn: [args.network] },
        );

        // Kept on a server's destroy (account keys and challenges); removed on the local target's.
        this.certbotVolume = new docker.Volume(args.host.name(CERTBOT_VOLUME), { name: CERTBOT_VOLUME }, { parent: this, provider, retainOnDelete: args.keepData });

        const holder = proxyHolder(this, { host: args.host, image: cfg.images.nginx, ports: publishedPorts(cfg, args.loadBalancer), network: args.network, dependsOn: [this.config] });

        const bind = (dir: string, containerPath: string, readOnly = true) => ({ hostPath: `${root}/${dir}`, containerPath, readOnly });
        const core = coreContainer(this, {
            host: args.host,
            name: NGINX_SERVER,
            image: cfg.images.nginx,
            role: NGINX_ROLE,
            createBeforeDelete: true,
            // The master process needs root to bind 80/443 and switch workers to an unprivileged user.
            policy: containerPolicy({
                memoryMb: cfg.proxy.memoryMb,
                addCapabilities: ["CHOWN", "SETUID", "SETGID", "NET_BIND_SERVICE", "DAC_OVERRIDE"],
                tmpfs: { "/tmp": "rw,size=64m", "/var/cache/nginx": "rw,size=64m", "/var/lib/nginx": "rw,size=64m", "/run": "rw,size=1m" },
            }),
            stopGraceSeconds: PROXY_STOP_GRACE_SECONDS,
            args: {
                command: ["nginx", "-g", "daemon off;", "-c", mainConfig(IN_CONTAINER.config)],
                // The full ID, as Docker keeps it: a name would read back as a difference every `up`.
                networkMode: holder.container.id.apply((id) => `container:${id}`),
                stopSignal: PROXY_STOP_SIGNAL,
                volumes: [
                    bind(NGINX_DIR, IN_CONTAINER.config),
                    bind(NGINX_STAGING_DIR, IN_CONTAINER.staging),
                    bind(UPSTREAMS_DIR, IN_CONTAINER.upstreams),
                    bind(CERTS_DIR, IN_CONTAINER.certs),
                    bind(NGINX_LOGS_DIR, IN_CONTAINER.logs, false),
                    // The status page the status job writes (render/monitoring/status/page.py).
                    bind(STATUS_PAGE_DIR, IN_CONTAINER.statusPage),
                    { volumeName: this.certbotVolume.name, containerPath: IN_CONTAINER.acmeWebroot, readOnly: true },
                ],
            },
            // Its own master bound every listener, and /health answers (render/nginx/ready.ts).
            health: { test: nginxReadyTest(), readyTimeoutSeconds: 60 },
            dependsOn: [this.config, holder.ready],
        });
        this.container = holder.container;
        this.server = core.container;
        this.ready = core.ready;
        this.registerOutputs({ container: this.container.name, server: this.server.name });
    }
}
