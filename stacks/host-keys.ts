// Servers made before the program generated their SSH host key (components/server.ts) still have the
// key their image made: the generated one would never match, and every connection would fail on a
// host key mismatch. Such a server's key must come from the user (server.hostKeys), read over a
// connection they trust; the program refuses, before any resource is declared, to guess or learn it.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, Problem } from "../config/problem";
import type { PlatformConfig } from "../config/schema";
import { ownOutput } from "./server-count";

export const HOST_KEYS_RUNBOOK = "docs/runbooks/pin-host-keys.md";

/** What the stack's last `up` exported: whether it ran at all (`address`), its server count, its pinned keys. */
export interface PreviousRun {
    readonly ran: boolean;
    readonly count?: number;
    readonly hostKeys?: readonly string[];
}

/** Servers the last `up` made or kept without a pinned key need server.hostKeys. */
export function hostKeyProblems(cfg: PlatformConfig, previous: PreviousRun): Problem[] {
    if (cfg.target !== "scaleway" || !previous.ran || previous.hostKeys) return [];
    const existing = Math.min(previous.count ?? 1, cfg.server.count);
    const missing = Array.from({ length: existing }, (_, i) => i).filter((i) => !cfg.server.hostKeys[i]);
    return missing.map((i) => ({
        field: `server.hostKeys[${i}]`,
        problem: `server ${i + 1} was made before the program generated host keys, so its key is the one its image made; set it (run on the server: cat /etc/ssh/ssh_host_ed25519_key.pub, over a connection you trust) and every connection pins it (${HOST_KEYS_RUNBOOK})`,
        got: undefined,
    }));
}

/** The stack output `hostKeys`: the key pinned for each server, in order. */
export const hostKeysOutput = (keys: readonly pulumi.Output<string>[]) => pulumi.all([...keys]);

export async function checkHostKeys(cfg: PlatformConfig, self: pulumi.StackReference): Promise<void> {
    if (cfg.target !== "scaleway") return;
    const [address, servers, hostKeys] = await Promise.all(["address", "servers", "hostKeys"].map((n) => ownOutput(self, n)));
    const count = (servers as { count?: unknown } | undefined)?.count;
    const problems = hostKeyProblems(cfg, { ran: address !== undefined, count: typeof count === "number" ? count : undefined, hostKeys: Array.isArray(hostKeys) ? hostKeys : undefined });
    if (problems.length) throw new ConfigError(problems);
}
