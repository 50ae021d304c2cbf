// Where the off-site copies go, and the only key the server holds for it. The copy exists to
// survive a taken server, so nothing the server holds may remove or replace it:
// - the server's key is an IAM application's, whose one policy grants ObjectStorageObjectsWrite:
//   put objects, nothing else (no read, list, delete, nor any bucket setting; docs/engine-notes.md);
// - the bucket is versioned with object lock in compliance mode for `expireDays`: a put over an
//   existing name adds a version and the locked one stays; no one, the account owner included,
//   deletes a version before its retention ends;
// - the lifecycle rule then expires it, and removes a replaced version the day after its lock ends.
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";
import type { BackupsConfig } from "../config/schema";
import { bucketKey } from "./bucket-key";

/** The one permission set the server's key holds (docs/engine-notes.md, section "Off-site copies"). */
export const OFFSITE_WRITER_PERMISSIONS = ["ObjectStorageObjectsWrite"] as const;

export interface OffsiteStore {
    readonly bucket: scaleway.object.Bucket;
    /** The put-only key the server's rclone uses. */
    readonly accessKey: pulumi.Output<string>;
    readonly secretKey: pulumi.Output<string>;
}

/** `name` names the resources (already the host's name); `parent` is the Backups component. */
export function offsiteStore(name: string, offsite: BackupsConfig["offsite"], parent: pulumi.Resource): OffsiteStore {
    const bucket = new scaleway.object.Bucket(
        name,
        {
            name: offsite.bucket!,
            region: offsite.region,
            // Set at creation only (ForceNew): an existing bucket without it is replaced by a new name.
            objectLockEnabled: true,
            versioning: { enabled: true },
            lifecycleRules: [
                {
                    id: "expire-backups",
                    enabled: true,
                    expiration: { days: offsite.expireDays },
                    noncurrentVersionExpiration: { noncurrentDays: 1 },
                    abortIncompleteMultipartUploadDays: 1,
                },
            ],
            tags: { platform: "mhylle", purpose: "database-backups" },
        },
        // A destroy of the stack never deletes the off-site copies: a rebuild restores from them.
        { parent, retainOnDelete: true, ...(offsite.adopt ? { import: `${offsite.region}/${offsite.bucket}` } : {}) },
    );
    new scaleway.object.BucketLockConfiguration(
        `${name}-lock`,
        { bucket: bucket.name, region: offsite.region, rule: { defaultRetention: { mode: "COMPLIANCE", days: offsite.expireDays } } },
        { parent, retainOnDelete: true },
    );
    const key = bucketKey(
        {
            resourceName: `${name}-writer`,
            application: { name: `${offsite.bucket}-writer`, description: "The server's backup job: puts encrypted copies, nothing else." },
            policyName: `${offsite.bucket}-put-only`,
            permissions: OFFSITE_WRITER_PERMISSIONS,
            projectId: bucket.projectId,
            keyDescription: "backup job on the server (put-only)",
        },
        parent,
    );
    return { bucket, ...key };
}
