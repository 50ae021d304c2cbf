// Backups, whole: the nightly dump and the restore and prune commands (jobs for the Scheduler,
// rendered by render/backup/jobs.ts), the off-site bucket (Scaleway Object Storage, lifecycle
// expiry) and the rclone credentials on the server. Built on the server that makes the dumps.
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";
import { Host } from "./host";
import type { BackupsConfig } from "../config/schema";
import { installOffsiteEnvScript, offsiteEnvFile } from "../render/backup/offsite";
import { OFFSITE_ENV, productionTargets } from "../render/backup/layout";
import { script, shq } from "../render/shell";
import { backupSchedule } from "../render/backup/jobs";
import { pitrSchedule } from "../render/backup/pitr-jobs";
import type { ManagedClient } from "../render/backup/managed-client";
import type { BinCommand, ScheduledJob } from "../render/schedule";

export interface OffsiteKeys {
    /** Scaleway API key with Object Storage access (config secret backupAccessKey). */
    readonly accessKey: pulumi.Output<string>;
    /** config secret backupSecretKey. */
    readonly secretKey: pulumi.Output<string>;
}

export interface BackupsArgs {
    readonly host: Host;
    readonly config: BackupsConfig;
    /** Required when config.offsite.enabled. */
    readonly offsiteKeys?: OffsiteKeys;
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
            if (!offsite.bucket || !args.offsiteKeys) throw new pulumi.ResourceError("backups.offsite needs a bucket and the backupAccessKey/backupSecretKey secrets", this);
            this.bucket = new scaleway.object.Bucket(
                args.host.name(`${name}-offsite`),
                {
                    name: offsite.bucket,
                    region: offsite.region,
                    // The bucket does the off-site retention: the server only ever adds files.
                    lifecycleRules: [{ id: "expire-backups", enabled: true, expiration: { days: offsite.expireDays }, abortIncompleteMultipartUploadDays: 1 }],
                    tags: { platform: "mhylle", purpose: "database-backups" },
                },
                // A destroy of the stack never deletes the off-site copies: a rebuild restores from them.
                { parent: this, retainOnDelete: true, ...(offsite.adopt ? { import: `${offsite.region}/${offsite.bucket}` } : {}) },
            );
            const keys = args.offsiteKeys;
            args.host.runScript(
                `${name}-offsite-credentials`,
                {
                    create: installOffsiteEnvScript(args.host.root),
                    delete: script(`rm -f ${shq(`${args.host.root}/${OFFSITE_ENV}`)}`),
                    stdin: pulumi.secret(pulumi.all([keys.accessKey, keys.secretKey]).apply(([a, s]) => offsiteEnvFile(offsite.region, a, s))),
                    quiet: true,
                },
                { parent: this, dependsOn: [this.bucket] },
            );
        }
        this.registerOutputs({ bucket: this.bucket?.name });
    }
}
