// server.hostSshRule adminCidrs and a GitHub-hosted runner: the runner's address changes with every
// job and only the security group learns it (.github/scripts/ssh-access.sh), so the host would refuse
// its SSH (components/server.ts applies the rule from the session that runs `up`). Said before any
// resource, instead of a command refused or a dial that times out.
import * as pulumi from "@pulumi/pulumi";
import type { Problem } from "../config/problem";
import type { PlatformConfig } from "../config/schema";

/** GitHub sets RUNNER_ENVIRONMENT to github-hosted or self-hosted; tools/record.ts sets its own (none by default). */
let runnerEnvironment: string | undefined = process.env.RUNNER_ENVIRONMENT;
export function useRunnerEnvironment(value: string | undefined): void {
    runnerEnvironment = value;
}

export function hostSshRuleProblems(cfg: PlatformConfig, runner = runnerEnvironment, preview = pulumi.runtime.isDryRun()): Problem[] {
    // A preview dials no server.
    if (preview || cfg.target !== "scaleway" || cfg.server.hostSshRule !== "adminCidrs" || runner !== "github-hosted") return [];
    return [
        {
            field: "server.hostSshRule",
            problem:
                "admits SSH on the server only from server.adminCidrs, and this `up` runs on a GitHub-hosted runner, whose changing address they do not list: the server would refuse it. Set server.hostSshRule: securityGroupOnly to deploy from GitHub-hosted runners (docs/github-actions.md), or run `up` from a self-hosted runner or workstation that server.adminCidrs lists",
            got: cfg.server.hostSshRule,
        },
    ];
}
