// Scheduled jobs (certificate renewal, backups, maintenance, status): scripts and crontab. Each
// component declares its own jobs and commands; the one Scheduler collects them and installs them.
import * as pulumi from "@pulumi/pulumi";
import { Host } from "./host";
import { encodeBundle } from "../render/bundle";
import { BIN_DIR, BinCommand, installJobsScript, jobFiles, removeJobsScript, ScheduledJob } from "../render/schedule";

/** A component with scheduled jobs (Certificates, Backups, Monitoring, ...). */
export interface JobOwner {
    readonly jobs?: readonly ScheduledJob[];
    /** Scripts run by hand, installed beside the jobs. */
    readonly commands?: readonly BinCommand[];
}

export interface SchedulerArgs {
    readonly host: Host;
    /** Whose jobs and commands to install, in this order (absent components are skipped). */
    readonly from: readonly (JobOwner | undefined)[];
    /** Write the crontab block (false: scripts only, run by hand). @default true */
    readonly cron?: boolean;
}

export class Scheduler extends pulumi.ComponentResource {
    readonly installed: pulumi.Resource;

    constructor(name: string, args: SchedulerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:Scheduler", args.host.name(name), {}, opts);
        const root = args.host.root;
        const jobs = args.from.flatMap((o) => o?.jobs ?? []);
        const commands = args.from.flatMap((o) => o?.commands ?? []);
        this.installed = args.host.runScript(
            `${name}-jobs`,
            // Destroy takes the jobs out of the crontab: no cron line outlives the platform.
            {
                create: installJobsScript(root, jobs, commands, args.cron ?? true),
                delete: removeJobsScript(root),
                stdin: encodeBundle(jobFiles(root, jobs, commands), BIN_DIR),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
