// Backups, whole: the nightly dump and the restore and prune commands (jobs for the Scheduler,
// rendered by render/backup/jobs.ts), the off-site bucket and the server's put-only key to it
// (components/offsite-store.ts), installed for rclone. Built on the server that makes the dumps.
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";
import { offsiteStore } from "./offsite-store";
import { Host } from "./host";
import type { BackupsConfig } from "../config/schema";
import { installOffsiteEnvScript, offsiteEnvFile } from "../render/backup/offsite";
import { OFFSITE_ENV, productionTargets } from "../render/backup/layout";
import { script, shq } from "../render/shell";
import { backupSchedule } from "../render/backup/jobs";
import { pitrSchedule } from "../render/backup/pitr-jobs";
import type { ManagedClient } from "../render/backup/managed-client";
import type { BinCommand, ScheduledJob } from "../render/schedule";

export interface BackupsArgs {
    readonly host: Host;
    readonly config: BackupsConfig;
    /** The PostgreSQL container runs on this server: the restore command restores into it. */
    readonly postgresContainer: boolean;
    /** The managed database's client settings, once apps use it: the dump takes the instance. */
    readonly managed?: ManagedClient;
}

export class Backups extends pulumi.ComponentResource {
    readonly bucket?: scaleway.object.Bucket;
    /** The nightly backup, for the platform's Scheduler. */
    readonly jobs: readonly ScheduledJob[];
    /** restore and prune-backups, installed beside the jobs. */
    readonly commands: readonly BinCommand[];

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mhylle:platform:Backups", args.host.name(name), {}, opts);
        const targets = productionTargets(args.host.root);
        const dumps = backupSchedule(targets, args.config, args);
        // pgBackRest's jobs and restores run beside the PostgreSQL container (components/database.ts).
        const pitr = args.postgresContainer ? pitrSchedule(targets, args.config) : { jobs: [], commands: [] };
        this.jobs = [...dumps.jobs, ...pitr.jobs];
        this.commands = [...dumps.commands, ...pitr.commands];
        const offsite = args.config.offsite;
        if (offsite.enabled) {
            if (!offsite.bucket || !offsite.recipient) throw new pulumi.ResourceError("backups.offsite needs a bucket and a recipient", this);
            const store = offsiteStore(args.host.name(`${name}-offsite`), offsite, this);
            this.bucket = store.bucket;
            args.host.runScript(
                `${name}-offsite-credentials`,
                {
                    create: installOffsiteEnvScript(args.host.root),
                    delete: script(`rm -f ${shq(`${args.host.root}/${OFFSITE_ENV}`)}`),
                    stdin: pulumi.secret(pulumi.all([store.accessKey, store.secretKey]).apply(([a, s]) => offsiteEnvFile(offsite.region, a, s))),
                    quiet: true,
                },
                { parent: this, dependsOn: [this.bucket] },
            );
        }
        this.registerOutputs({ bucket: this.bucket?.name });
    }
}
