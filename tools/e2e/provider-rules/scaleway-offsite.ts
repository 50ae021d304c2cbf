// Scaleway's off-site copy types (components/offsite-store.ts): the bucket, its lock configuration,
// and the server's put-only IAM application, policy and API key. Read in
// scaleway/terraform-provider-scaleway v2.79.0 (prose: docs/engine-notes.md, "Off-site copies").
import type { ResourceRules } from "./types";

const TF = "scaleway/terraform-provider-scaleway v2.79.0";
const REGION = `${TF} internal/locality/regional/schemas.go Schema: ForceNew`;
const PROJECT = `${TF} internal/services/account/schemas.go ProjectIDSchema: ForceNew`;
const ORG = `${TF} internal/services/account/schemas.go OrganizationIDOptionalSchema: not ForceNew, and no Update reads it`;
const BUCKET = `${TF} internal/services/object/bucket.go`;
const DBR = "our program sets name: delete-before-replace (bridge nameRequiresDeleteBeforeReplace)";

export const scalewayBucket: ResourceRules = {
    token: "scaleway:object/bucket:Bucket",
    deleteBeforeReplace: true,
    replaceOn: ["name", "objectLockEnabled", "region", "projectId"],
    updateInPlace: ["lifecycleRules", "tags", "acl", "corsRules", "forceDestroy", "versioning"],
    noEffect: [],
    conditional: {
        versioning: "in place without object lock; with objectLockEnabled the update skips it (the lock turned versioning on at creation)",
        objectLockEnabled: "replaces: a bucket made without it is replaced; with retainOnDelete the old one stays and holds its name, so the new one needs another name",
    },
    undetermined: [],
    source: `${BUCKET} (schema ForceNew, ResourceObjectBucketUpdate); ${DBR}`,
    sources: {
        name: `${BUCKET}: ForceNew`,
        objectLockEnabled: `${BUCKET}: ForceNew`,
        region: REGION,
        projectId: PROJECT,
        lifecycleRules: `${BUCKET} ResourceObjectBucketUpdate HasChange("lifecycle_rule")`,
        tags: `${BUCKET} ResourceObjectBucketUpdate HasChange("tags")`,
        acl: `${BUCKET} ResourceObjectBucketUpdate HasChange("acl")`,
        corsRules: `${BUCKET} ResourceObjectBucketUpdate HasChange("cors_rule")`,
        forceDestroy: `${BUCKET}: read at delete only`,
        versioning: `${BUCKET} ResourceObjectBucketUpdate: !objectLockEnabled && HasChange("versioning")`,
    },
};

const LOCK = `${TF} internal/services/object/bucket_lock_configuration.go`;
export const scalewayBucketLock: ResourceRules = {
    token: "scaleway:object/bucketLockConfiguration:BucketLockConfiguration",
    deleteBeforeReplace: false,
    replaceOn: ["bucket", "region", "projectId"],
    updateInPlace: ["rule"],
    noEffect: [],
    conditional: { rule: "in place (PutObjectLockConfiguration); the retention of objects already written is theirs and does not change" },
    undetermined: [],
    source: `${LOCK} (schema, resourceObjectLockConfigurationUpdate)`,
    sources: { bucket: `${LOCK}: ForceNew`, region: REGION, projectId: PROJECT, rule: `${LOCK} resourceObjectLockConfigurationUpdate` },
};

const APP = `${TF} internal/services/iam/application.go`;
export const scalewayIamApplication: ResourceRules = {
    token: "scaleway:iam/application:Application",
    deleteBeforeReplace: true,
    replaceOn: [],
    updateInPlace: ["name", "description", "tags"],
    noEffect: ["organizationId"],
    conditional: {},
    undetermined: [],
    source: `${APP} (schema, resourceIamApplicationUpdate); ${DBR}`,
    sources: { organizationId: ORG, name: `${APP} Update`, description: `${APP} Update`, tags: `${APP} Update` },
};

const POLICY = `${TF} internal/services/iam/policy.go`;
export const scalewayIamPolicy: ResourceRules = {
    token: "scaleway:iam/policy:Policy",
    deleteBeforeReplace: true,
    replaceOn: [],
    updateInPlace: ["name", "description", "tags", "userId", "groupId", "applicationId", "noPrincipal", "rules"],
    noEffect: ["organizationId"],
    conditional: {},
    undetermined: [],
    source: `${POLICY} (schema, resourceIamPolicyUpdate); ${DBR}`,
    sources: {
        organizationId: ORG,
        ...Object.fromEntries(["name", "description", "tags", "userId", "groupId", "applicationId", "noPrincipal", "rules"].map((k) => [k, `${POLICY} resourceIamPolicyUpdate`])),
    },
};

const KEY = `${TF} internal/services/iam/api_key.go`;
export const scalewayIamApiKey: ResourceRules = {
    token: "scaleway:iam/apiKey:ApiKey",
    deleteBeforeReplace: false,
    replaceOn: ["applicationId", "expiresAt", "defaultProjectId"],
    updateInPlace: ["description"],
    noEffect: ["userId"],
    conditional: { defaultProjectId: "ProjectIDSchema is ForceNew, so the Update branch for it never runs: a change replaces the key (a new secret key)" },
    undetermined: [],
    source: `${KEY} (schema, resourceIamAPIKeyUpdate); secret_key Sensitive, set only by Create`,
    sources: { applicationId: `${KEY}: ForceNew`, userId: `${KEY}: not ForceNew, and resourceIamAPIKeyUpdate does not read it`, expiresAt: `${KEY}: ForceNew`, defaultProjectId: PROJECT, description: `${KEY} resourceIamAPIKeyUpdate` },
};

export const scalewayOffsiteRules: readonly ResourceRules[] = [scalewayBucket, scalewayBucketLock, scalewayIamApplication, scalewayIamPolicy, scalewayIamApiKey];
