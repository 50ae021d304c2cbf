// The off-site copy survives a taken server (issue 23, item 12), as the program declares it under
// mocks: the server's key is a put-only IAM application's, the bucket keeps every version locked
// for its retention, and the server gets that key and the recipient, never the identity.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { REMOTE_COMMAND, Recorded, recordProgram, reveal } from "../support/program";
import { prodConfig, TEST_AGE_IDENTITY, TEST_AGE_RECIPIENT } from "../support/prod-stack";
import { MOCK_PROJECT_ID, mockPassword } from "../../tools/mock-outputs";
import { decodeBundle } from "../../render/bundle";

const cfg = { ...prodConfig(), backups: { offsite: { enabled: true, bucket: "mhylle-backups", recipient: TEST_AGE_RECIPIENT, expireDays: 45 } } };
const secrets = { backupIdentity: TEST_AGE_IDENTITY };
let r: Recorded;
before(async () => {
    r = await recordProgram(cfg, secrets);
});

test("the server's key is an IAM application's whose one policy grants object writes only, in the bucket's project", () => {
    const [app] = r.ofType("scaleway:iam/application:Application");
    const policies = r.ofType("scaleway:iam/policy:Policy");
    assert.equal(policies.length, 1);
    const policy = policies[0];
    assert.ok(policy.options.propertyDependencies.applicationId?.includes(app.name), "the policy is the application's");
    const rules = policy.inputs.rules as { permissionSetNames: string[]; projectIds?: string[]; organizationId?: string }[];
    assert.equal(rules.length, 1);
    assert.deepEqual(rules[0].permissionSetNames, ["ObjectStorageObjectsWrite"]);
    for (const set of rules[0].permissionSetNames) assert.doesNotMatch(set, /Delete|FullAccess|Read|Buckets|Manager/);
    assert.deepEqual(rules[0].projectIds, [MOCK_PROJECT_ID], "scoped to the bucket's project, not the organization");
    assert.equal(rules[0].organizationId, undefined);
    const [key] = r.ofType("scaleway:iam/apiKey:ApiKey");
    assert.ok(key.options.propertyDependencies.applicationId?.includes(app.name), "the key is the application's, not a user's");
    assert.equal(key.inputs.userId, undefined);
});

test("the bucket is versioned with object lock in compliance mode for expireDays, kept on destroy; replaced versions expire after their lock", () => {
    const bucket = r.byName("backups-offsite");
    assert.equal(bucket.inputs.objectLockEnabled, true);
    assert.deepEqual(bucket.inputs.versioning, { enabled: true });
    assert.equal(bucket.options.retainOnDelete, true);
    const rule = (bucket.inputs.lifecycleRules as any[])[0];
    assert.deepEqual(rule.expiration, { days: 45 });
    assert.deepEqual(rule.noncurrentVersionExpiration, { noncurrentDays: 1 });
    const [lock] = r.ofType("scaleway:object/bucketLockConfiguration:BucketLockConfiguration");
    assert.equal(lock.inputs.bucket, "mhylle-backups");
    assert.deepEqual((lock.inputs.rule as any).defaultRetention, { mode: "COMPLIANCE", days: 45 });
});

test("the server's env file holds the put-only key and nothing else secret; the identity reaches no resource", () => {
    const creds = r.byName("backups-offsite-credentials");
    assert.equal(creds.type, REMOTE_COMMAND);
    const env = String(reveal(creds.inputs.stdin));
    const [key] = r.ofType("scaleway:iam/apiKey:ApiKey");
    assert.match(env, new RegExp(`^RCLONE_CONFIG_OFFSITE_ACCESS_KEY_ID=${key.state.accessKey}$`, "m"));
    assert.match(env, new RegExp(`^RCLONE_CONFIG_OFFSITE_SECRET_ACCESS_KEY=${mockPassword(key.name, 36)}$`, "m"));
    assert.deepEqual(
        env.trim().split("\n").map((l) => l.split("=")[0]).sort(),
        ["ACCESS_KEY_ID", "ACL", "ENDPOINT", "PROVIDER", "REGION", "SECRET_ACCESS_KEY", "TYPE"].map((k) => `RCLONE_CONFIG_OFFSITE_${k}`).sort(),
    );
    const everything = JSON.stringify(r.resources.map((x) => reveal(x.inputs)));
    assert.ok(!everything.includes(TEST_AGE_IDENTITY.slice(16)), "the identity is in no resource's inputs");
    const job = decodeBundle(reveal(r.byName("scheduler-jobs").inputs.stdin) as string).find((f) => f.path === "bin/backup.sh")!;
    assert.ok(job.content.includes(`recipient='${TEST_AGE_RECIPIENT}'`), "the job encrypts to the recipient");
});

async function refusal(secretsGiven: Record<string, string>, raw: Record<string, unknown> = cfg): Promise<string> {
    const { program } = await import("../../stacks/program");
    const { record } = await import("../../tools/record");
    let refused: any;
    await record(raw, () => program().catch((e: unknown) => (refused = e)), { secrets: secretsGiven });
    assert.ok(refused, "refused");
    return String(refused.message);
}

test("an identity that is not the recipient's is refused naming the recipient it has; a malformed one is refused; neither is echoed", async () => {
    const other = "AGE-SECRET-KEY-1EASM8JGT03NQ7R4Y4G8UDRRGPLN0VP62U2AWZWSS80VZK5DPAWDS8TVGT7";
    const wrong = await refusal({ backupIdentity: other });
    assert.match(wrong, /^backups\.offsite\.recipient: is not the recipient of the secret backupIdentity, which is age1[a-z0-9]{58}: set that/m);
    assert.ok(!wrong.includes(other.slice(16)));
    const bad = await refusal({ backupIdentity: "AGE-SECRET-KEY-1NOTAKEY-do-not-echo" });
    assert.match(bad, /^backupIdentity: is not an age identity/m);
    assert.ok(!bad.includes("do-not-echo"));
});

test("a recipient that is not an age public key is refused by validation, naming the field", async () => {
    const message = await refusal(secrets, { ...cfg, backups: { offsite: { ...cfg.backups.offsite, recipient: "ssh-ed25519 AAAA" } } });
    assert.match(message, /backups\.offsite\.recipient: must be an age public key/);
});
