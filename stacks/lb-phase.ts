// Going from one server to several without an outage (docs/runbooks/add-a-server.md). Until DNS
// points at the load balancer, server 1 keeps serving as it did alone (its public 80/443, its nginx
// ports, its certbot) and the load balancer passes 80 and 443 through to it, so a client whose DNS
// has moved gets the same site and certificate. Only then is the load balancer's own certificate
// requested (Scaleway asks Let's Encrypt, which checks DNS), and only once that served an `up` are
// server 1's public ports closed. The phases are stack config (loadBalancer.phase); the stack's
// last `up` (its `servers` output) tells which step may come next.
import type { LbPhase, PlatformConfig } from "../config/schema";
import type { Problem } from "../config/problem";
import type { ServersOutput } from "./server-count";

export type { LbPhase };

export const ADD_RUNBOOK = "docs/runbooks/add-a-server.md";

/** Behind the load balancer, the phase this `up` builds; undefined with one server. */
export const lbPhaseOf = (cfg: PlatformConfig): LbPhase | undefined => (cfg.server.count > 1 ? cfg.loadBalancer.phase : undefined);

/** Server 1 still serves the internet itself: before the phase that closes its public ports. */
export const firstServerPublic = (cfg: PlatformConfig) => lbPhaseOf(cfg) !== undefined && lbPhaseOf(cfg) !== "done";

/**
 * A step the stack's last `up` did not prepare is refused: from one server straight past `dns`
 * (the security group would drop 80/443 before DNS moved), from `dns` straight to `done` (the old
 * path closed in the same `up` that first tries the load balancer's certificate), or back into the
 * phases once done. Back from `certificate` to `dns` is allowed: the way back while DNS is fixed.
 */
export function lbPhaseProblems(cfg: PlatformConfig, previous: ServersOutput | undefined): Problem[] {
    const phase = lbPhaseOf(cfg);
    if (!previous || !phase) return [];
    const refuse = (problem: string): Problem[] => [{ field: "loadBalancer.phase", problem, got: phase }];
    if (previous.count <= 1 && phase !== "dns")
        return refuse(
            `is ${phase} but the stack has one server, which serves the site on its own address until DNS points at the load balancer: going to server.count ${cfg.server.count} in one step would close its ports 80 and 443 at once. Set loadBalancer.phase: dns with the new server.count, then follow ${ADD_RUNBOOK}`,
        );
    if (previous.count > 1 && previous.phase === undefined && phase !== "done")
        return refuse(
            `is ${phase} but the stack already runs ${previous.count} servers behind the load balancer with its own certificate: the phases are for going from one server to several, and would reopen server 1 and delete that certificate; keep loadBalancer.phase: done`,
        );
    if (previous.phase === "dns" && phase === "done")
        return refuse(`is done but the last up was phase dns: the load balancer's certificate has not served yet; set loadBalancer.phase: certificate first (${ADD_RUNBOOK})`);
    return [];
}

/** The stack output `nextStep`: what the user does next, with the load balancer's address. */
export function nextStep(cfg: PlatformConfig, lbAddress: string): string {
    const names = [cfg.domain, ...cfg.aliases];
    const records = names.map((n) => `${n}. A ${lbAddress}`).join(", ");
    switch (lbPhaseOf(cfg)) {
        case undefined:
            return "nothing: one server, no load balancer";
        case "dns":
            return `point DNS at the load balancer (${records}), wait until every name resolves to ${lbAddress} (dig +short ${cfg.domain}), then set loadBalancer.phase: certificate and run up (${ADD_RUNBOOK}); until then server 1 serves the site, directly and through the load balancer`;
        case "certificate":
            return `the load balancer serves ${cfg.domain} from the new servers${cfg.loadBalancer.letsEncrypt ? " with its own certificate" : ""}; server 1 still answers on its own address for resolvers that cached it: once the old records' TTL has passed, set loadBalancer.phase: done and run up to close its ports 80 and 443 and add it to the pool (${ADD_RUNBOOK})`;
        case "done":
            return `nothing: ${cfg.server.count} servers behind the load balancer at ${lbAddress}`;
    }
}
