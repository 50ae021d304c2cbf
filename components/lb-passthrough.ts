// While DNS still points at server 1 (loadBalancer.phase: dns): a load balancer backend that passes
// one port through to server 1's nginx as TCP, TLS included, so a client whose DNS has moved gets the
// same site and certificate as one whose DNS has not. No PROXY protocol: server 1's nginx listens
// on 80/443 as it did alone and would refuse the header (its log shows the load balancer meanwhile).
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";
import type { BackendSettings } from "../render/lb/backend";

const seconds = (s: number) => `${s}s`;

/** Server 1's nginx as it serves the internet: its private address and its published ports (proxy.httpPort, proxy.httpsPort). */
export interface PassThroughTarget {
    readonly address: pulumi.Input<string>;
    readonly httpPort: number;
    readonly httpsPort: number;
}

/** The load balancer's `port` passed through to the server's `serverPort`. */
export function passthroughBackend(parent: pulumi.Resource, lbName: string, lbId: pulumi.Input<string>, server: pulumi.Input<string>, port: number, serverPort: number, b: BackendSettings): scaleway.loadbalancers.Backend {
    return new scaleway.loadbalancers.Backend(
        `${lbName}-server1-${port}`,
        {
            lbId,
            name: `server1-${port}`,
            forwardProtocol: "tcp",
            forwardPort: serverPort,
            serverIps: [server],
            proxyProtocol: "none",
            // A TCP connect is all a check can do on a port that speaks TLS or answers with a redirect.
            healthCheckTcp: {},
            healthCheckDelay: seconds(b.delaySeconds),
            healthCheckTimeout: seconds(b.timeoutSeconds),
            healthCheckMaxRetries: b.retries,
            healthCheckPort: serverPort,
            onMarkedDownAction: "none",
            timeoutConnect: seconds(b.connectTimeoutSeconds),
            timeoutServer: seconds(b.serverTimeoutSeconds),
        },
        { parent },
    );
}
