// server.hostSshRule adminCidrs and a GitHub-hosted runner: the runner's address changes with every
// job and only the security group learns it (.github/scripts/ssh-access.sh), so the host would refuse
// its SSH (components/server.ts applies the rule from the session that runs `up`). Said before any
// resource, instead of a command refused or a dial that times out.
import * as pulumi from "@pulumi/pulumi";
import type { Problem } from "../config/problem";
import type { PlatformConfig } from "../config/schema";

export function hostSshRuleProblems(cfg: PlatformConfig, env: NodeJS.ProcessEnv = process.env, preview = pulumi.runtime.isDryRun()): Problem[] {
    // A preview dials no server; GitHub sets RUNNER_ENVIRONMENT to github-hosted or self-hosted.
    if (preview || cfg.target !== "scaleway" || cfg.server.hostSshRule !== "adminCidrs" || env.RUNNER_ENVIRONMENT !== "github-hosted") return [];
    return [
        {
            field: "server.hostSshRule",
            problem:
                "admits SSH on the server only from server.adminCidrs, and this `up` runs on a GitHub-hosted runner, whose changing address they do not list: the server would refuse it. Set server.hostSshRule: securityGroupOnly to deploy from GitHub-hosted runners (docs/github-actions.md), or run `up` from a self-hosted runner or workstation that server.adminCidrs lists",
            got: cfg.server.hostSshRule,
        },
    ];
}
