// pgBackRest's off-site repository (repo2): its own bucket beside the dumps', and the repository
// host's key to it. pgBackRest must list, read and write its repository, so this key is not the
// dumps' put-only one; it still cannot delete (docs/engine-notes.md section 22):
// - the key's one policy grants ObjectStorageObjectsRead and ObjectStorageObjectsWrite: get, head,
//   list and put objects; no DeleteObject(s), no AbortMultipartUpload, no bucket setting;
// - the bucket is versioned with object lock in compliance mode for `expireDays`: a put over an
//   existing name (backup.info, each backup) adds a version and the locked one stays;
// - pgBackRest expires repo1 only (`expire --repo=1`, render/backup/pitr.sh); in the bucket nothing
//   current expires (a lifecycle expiry by age would take archive.info, written once at
//   stanza-create, and break the repository), replaced versions go the day after their lock ends.
//   The bucket grows by each backup and the WAL; pruning it is an operator's `expire --repo=2` with
//   a key of their own (docs/runbooks/restore-a-database.md).
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";
import type { BackupsConfig } from "../config/schema";
import { pitrBucketName } from "../render/backup/pgbackrest";
import { bucketKey } from "./bucket-key";

/** The repository host's permission sets: read and write objects, nothing else. */
export const PITR_REPOSITORY_PERMISSIONS = ["ObjectStorageObjectsRead", "ObjectStorageObjectsWrite"] as const;

export interface PitrStore {
    readonly bucket: scaleway.object.Bucket;
    readonly accessKey: pulumi.Output<string>;
    readonly secretKey: pulumi.Output<string>;
}

/** `name` names the resources; `parent` is the repository host's component. */
export function pitrStore(name: string, backups: BackupsConfig, parent: pulumi.Resource): PitrStore {
    const offsite = backups.offsite;
    const bucketName = pitrBucketName(backups);
    const bucket = new scaleway.object.Bucket(
        name,
        {
            name: bucketName,
            region: offsite.region,
            objectLockEnabled: true,
            versioning: { enabled: true },
            lifecycleRules: [{ id: "replaced-versions", enabled: true, noncurrentVersionExpiration: { noncurrentDays: 1 }, abortIncompleteMultipartUploadDays: 1 }],
            tags: { platform: "mhylle", purpose: "database-wal-archive" },
        },
        // A destroy of the stack never deletes the repository: a rebuild restores from it.
        { parent, retainOnDelete: true, ...(offsite.adopt ? { import: `${offsite.region}/${bucketName}` } : {}) },
    );
    new scaleway.object.BucketLockConfiguration(
        `${name}-lock`,
        { bucket: bucket.name, region: offsite.region, rule: { defaultRetention: { mode: "COMPLIANCE", days: offsite.expireDays } } },
        { parent, retainOnDelete: true },
    );
    const key = bucketKey(
        {
            resourceName: `${name}-repository`,
            application: { name: `${bucketName}-repository`, description: "The pgBackRest repository host: reads and writes repo2, never deletes." },
            // Per project, as the dumps' key: IAM grants Object Storage per project, not per bucket.
            policyName: `${bucketName}-read-write`,
            permissions: PITR_REPOSITORY_PERMISSIONS,
            projectId: bucket.projectId,
            keyDescription: "pgBackRest repository host (read and write, no delete)",
        },
        parent,
    );
    return { bucket, ...key };
}
