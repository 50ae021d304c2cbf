// Scheduled jobs (certificate renewal, backups, maintenance, status): scripts and crontab.
import * as pulumi from "@pulumi/pulumi";
import { Host } from "./host";
import { encodeBundle } from "../render/bundle";
import { BIN_DIR, BinCommand, installJobsScript, jobFiles, removeJobsScript, ScheduledJob } from "../render/schedule";

export interface SchedulerArgs {
    readonly host: Host;
    readonly jobs: readonly ScheduledJob[];
    /** Scripts run by hand, installed beside the jobs. */
    readonly commands?: readonly BinCommand[];
    /** Write the crontab block (false: scripts only, run by hand). @default true */
    readonly cron?: boolean;
}

export class Scheduler extends pulumi.ComponentResource {
    readonly installed: pulumi.Resource;

    constructor(name: string, args: SchedulerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:Scheduler", args.host.name(name), {}, opts);
        const root = args.host.root;
        this.installed = args.host.runScript(
            `${name}-jobs`,
            // Destroy takes the jobs out of the crontab: no cron line outlives the platform.
            {
                create: installJobsScript(root, args.jobs, args.commands, args.cron ?? true),
                delete: removeJobsScript(root),
                stdin: encodeBundle(jobFiles(root, args.jobs, args.commands), BIN_DIR),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
