// A Scaleway API key of its own for one job on a bucket: an IAM application, a policy holding only
// the permission sets given, and the key (its secret a secret output). IAM grants Object Storage per
// project, not per bucket, so the policy is scoped to the bucket's project.
import * as pulumi from "@pulumi/pulumi";
import * as scaleway from "@pulumiverse/scaleway";

export interface BucketKeySpec {
    /** The logical name of the application, policy and key. */
    readonly resourceName: string;
    /** The IAM application's name and what it is for. */
    readonly application: { readonly name: string; readonly description: string };
    readonly policyName: string;
    readonly permissions: readonly string[];
    readonly projectId: pulumi.Input<string>;
    readonly keyDescription: string;
}

export function bucketKey(s: BucketKeySpec, parent: pulumi.Resource): { accessKey: pulumi.Output<string>; secretKey: pulumi.Output<string> } {
    const app = new scaleway.iam.Application(s.resourceName, s.application, { parent });
    new scaleway.iam.Policy(
        s.resourceName,
        { name: s.policyName, applicationId: app.id, rules: [{ projectIds: [s.projectId], permissionSetNames: [...s.permissions] }] },
        { parent },
    );
    const key = new scaleway.iam.ApiKey(s.resourceName, { applicationId: app.id, defaultProjectId: s.projectId, description: s.keyDescription }, { parent, additionalSecretOutputs: ["secretKey"] });
    return { accessKey: key.accessKey, secretKey: key.secretKey };
}
