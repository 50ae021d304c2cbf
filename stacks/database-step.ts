// Moving a running platform onto the managed database is three `up`s (database.managed.phase:
// copying, switched, done; docs/runbooks/move-to-the-managed-database.md). The phase defaults to
// done, so `database.managed.enabled: true` alone would, in one `up`, point every app at the empty
// instance and remove the PostgreSQL container (then fail late on its protected volume). The stack's
// last `up` (its `database` output) tells which step may come next, as stacks/lb-phase.ts does for
// the servers.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, Problem } from "../config/problem";
import type { PlatformConfig } from "../config/schema";
import { ownOutput } from "./server-count";

export const MOVE_RUNBOOK = "docs/runbooks/move-to-the-managed-database.md";

/** Where the apps' data was at the end of an `up`: the container, or a phase of the move. */
export type DatabaseStep = "container" | PlatformConfig["database"]["managed"]["phase"];

/** The stack output `database`. */
export const databaseOutput = (cfg: PlatformConfig): DatabaseStep => (cfg.database.managed.enabled ? cfg.database.managed.phase : "container");

/** A step of the move the last `up` did not prepare; nothing is compared without its output (a new stack, or one from before it). */
export function databaseStepProblems(cfg: PlatformConfig, previous: DatabaseStep | undefined): Problem[] {
    const managed = cfg.database.managed;
    if (!managed.enabled || previous === undefined) return [];
    const refuse = (problem: string): Problem[] => [{ field: "database.managed.phase", problem, got: managed.phase }];
    if (previous === "container" && managed.phase !== "copying")
        return refuse(
            `is ${managed.phase} but the stack's last up ran the apps on the PostgreSQL container: this up would point them at the managed instance, still empty, and remove the container; set database.managed.phase: copying first and follow ${MOVE_RUNBOOK}`,
        );
    if (previous === "copying" && managed.phase === "done")
        return refuse(`is done but the last up was phase copying: the apps never used the instance and the container would go; set database.managed.phase: switched first (${MOVE_RUNBOOK})`);
    return [];
}

export async function checkDatabaseStep(cfg: PlatformConfig, self: pulumi.StackReference): Promise<void> {
    if (cfg.target !== "scaleway") return;
    const value = await ownOutput(self, "database");
    const previous = ["container", "copying", "switched", "done"].includes(value as string) ? (value as DatabaseStep) : undefined;
    const problems = databaseStepProblems(cfg, previous);
    if (problems.length) throw new ConfigError(problems);
}
