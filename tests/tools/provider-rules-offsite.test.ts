// The off-site store's day-2 changes, planned by the engine double from the rules read in the
// Scaleway provider's source (tools/e2e/provider-rules/scaleway-offsite.ts): object lock is set at
// a bucket's creation only, so a stack whose bucket predates it gets a replacement (which the
// retained old bucket's name blocks: docs/runbooks/rebuild-the-server.md says to pick a new name);
// a retention change updates the lifecycle and lock rules in place and leaves the key alone.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { plan, StateEntry } from "../../tools/e2e/engine";
import { providerRules } from "../../tools/e2e/provider-rules";
import { Recorded, recordProgram, reveal } from "../support/program";
import { prodConfig, TEST_AGE_IDENTITY, TEST_AGE_RECIPIENT } from "../support/prod-stack";
import type { RecordedResource } from "../../tools/record";

const offsite = (expireDays: number) => ({ ...prodConfig(), backups: { offsite: { enabled: true, bucket: "mhylle-backups", recipient: TEST_AGE_RECIPIENT, expireDays } } });
const stateOf = (type: string, inputs: Record<string, unknown>): StateEntry => ({ type, inputs, dependsOn: [], propertyDependencies: {}, protect: false, retainOnDelete: true });
const planOf = (r: RecordedResource, previous: Record<string, unknown>) => plan(r, reveal(r.inputs) as Record<string, unknown>, stateOf(r.type, previous));
let d45: Recorded, d60: Recorded;
before(async () => {
    d45 = await recordProgram(offsite(45), { backupIdentity: TEST_AGE_IDENTITY });
    d60 = await recordProgram(offsite(60), { backupIdentity: TEST_AGE_IDENTITY });
});

test("every type of the off-site store has rules read from the provider's source, covering each input the program sets", () => {
    for (const r of d45.resources.filter((x) => x.type.startsWith("scaleway:object") || x.type.startsWith("scaleway:iam/") && x.type !== "scaleway:iam/sshKey:SshKey")) {
        const rules = providerRules[r.type];
        assert.ok(rules, `no rules for ${r.type}`);
        const known = [...rules.replaceOn, ...rules.updateInPlace, ...rules.noEffect];
        for (const k of Object.keys(r.inputs).filter((k) => k !== "__defaults")) assert.ok(known.includes(k), `${r.type}: no rule for ${k}`);
    }
});

test("a bucket made before object lock is replaced, deleting first (its name is set): the retained old bucket keeps the name", () => {
    const bucket = d45.byName("backups-offsite");
    const before = { name: "mhylle-backups", region: "fr-par", lifecycleRules: [{ id: "expire-backups", enabled: true, expiration: { days: 45 }, abortIncompleteMultipartUploadDays: 1 }], tags: bucket.inputs.tags };
    const p = planOf(bucket, before);
    assert.equal(p.op, "replace");
    assert.deepEqual(p.changed, ["objectLockEnabled"]);
    assert.equal(p.deleteBeforeReplace, true);
});

test("a retention change updates the lifecycle and the lock rule in place; the server's key and its policy stay", () => {
    const old = new Map(d45.resources.map((r) => [r.key, r]));
    const ops = Object.fromEntries(
        d60.resources.filter((r) => r.type.startsWith("scaleway:object") || r.type.startsWith("scaleway:iam/")).map((r) => [r.key, planOf(r, reveal(old.get(r.key)!.inputs) as Record<string, unknown>).op]),
    );
    assert.deepEqual(ops, {
        "scaleway:object/bucket:Bucket::backups-offsite": "update",
        "scaleway:object/bucketLockConfiguration:BucketLockConfiguration::backups-offsite-lock": "update",
        "scaleway:iam/application:Application::backups-offsite-writer": "same",
        "scaleway:iam/policy:Policy::backups-offsite-writer": "same",
        "scaleway:iam/apiKey:ApiKey::backups-offsite-writer": "same",
        "scaleway:iam/sshKey:SshKey::server-ssh-key": "same",
    });
});
