// A lower server.count deletes the highest servers, whose public IP and instance are protected: a
// plain lowering would tear down their platform and then fail on the IP. The program compares the
// count with the one the stack's last `up` exported and refuses before any resource is declared,
// unless that `up` ran the runbook's step (server.retire: out of the pool, protection lifted).
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, Problem } from "../config/problem";
import type { PlatformConfig } from "../config/schema";
import { LbPhase, firstServerPublic, lbPhaseOf, lbPhaseProblems } from "./lb-phase";

export const RUNBOOK = "docs/runbooks/remove-a-server.md";

/** The `servers` stack output: how many servers the stack has, and which of them `up` made ready to remove. */
export interface ServersOutput {
    readonly count: number;
    /** Out of the load balancer's pool, IP and instance no longer protected. */
    readonly retired: readonly number[];
    /** Where going from one server to several stood (loadBalancer.phase); absent with one server. */
    readonly phase?: LbPhase;
}

/** What this `up` exports as `servers`: the retiring servers still counted. */
export const serversOutput = (cfg: PlatformConfig): ServersOutput => ({
    count: cfg.server.count,
    retired: cfg.server.retire.filter((k) => k <= cfg.server.count && cfg.target === "scaleway"),
    // Only while a move is under way: absent, the next run reads "done" (or one server).
    ...(firstServerPublic(cfg) ? { phase: lbPhaseOf(cfg) } : {}),
});

/**
 * This `up` is a step the next one builds on (a phase of going from one server to several, a retire
 * step): its `servers` output must be written only once the step was applied (stacks/program.ts).
 */
export const stepUnderWay = (cfg: PlatformConfig) => firstServerPublic(cfg) || serversOutput(cfg).retired.length > 0;

/** A lower count than the stack's last `up` is accepted only for servers that `up` retired. */
export function countChangeProblems(cfg: PlatformConfig, previous: ServersOutput | undefined): Problem[] {
    const count = cfg.server.count;
    if (!previous || count >= previous.count) return [];
    const refuse = (problem: string): Problem[] => [{ field: "server.count", problem: `is ${count} but the stack has ${previous.count} servers: ${problem}`, got: count }];
    if (count < 2)
        return refuse(`back to one server the load balancer and its protected IP would go too, which ${RUNBOOK} does not cover; keep server.count at 2 or more`);
    const removed = Array.from({ length: previous.count - count }, (_, i) => count + 1 + i);
    const notRetired = removed.filter((k) => !previous.retired.includes(k));
    if (!notRetired.length) return [];
    return refuse(
        `lowering it would delete server(s) ${notRetired.join(", ")}, still in the load balancer's pool with a protected IP and instance; first run up with server.count: ${previous.count} and server.retire: [${removed.join(", ")}], then lower server.count (${RUNBOOK})`,
    );
}

/** A reference to the stack itself: it reads the outputs the stack's last `up` left (docs/engine-notes.md section 13). */
export const ownStack = () => new pulumi.StackReference("servers-before", { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` });

/** One output of the stack's last `up`, or undefined. */
export const ownOutput = (self: pulumi.StackReference, name: string): Promise<unknown> => self.getOutputDetails(name).then((d) => d.value ?? d.secretValue);

function ownServersOutput(self: pulumi.StackReference): Promise<ServersOutput | undefined> {
    return ownOutput(self, "servers").then((value) => {
        const v = value as ServersOutput | undefined;
        if (!v || typeof v.count !== "number") return undefined;
        return { count: v.count, retired: Array.isArray(v.retired) ? v.retired : [], ...(typeof v.phase === "string" ? { phase: v.phase } : {}) };
    });
}

/**
 * Refuses a lower server.count the runbook's step did not prepare, and a step of going from one
 * server to several that the last `up` did not prepare (stacks/lb-phase.ts); Scaleway's servers only.
 */
export async function checkServerCount(cfg: PlatformConfig, self: pulumi.StackReference): Promise<void> {
    if (cfg.target !== "scaleway") return;
    const previous = await ownServersOutput(self);
    const problems = [...countChangeProblems(cfg, previous), ...lbPhaseProblems(cfg, previous)];
    if (problems.length) throw new ConfigError(problems);
}
