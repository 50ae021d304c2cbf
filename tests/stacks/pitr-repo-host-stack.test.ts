// backups.pitr with backups.offsite on the production stack under mocks: the pgBackRest repository
// host is declared (its container, its own egress network, repo1's volume, its secret file with the
// passphrase and repo2's read-write key), PostgreSQL stays on internal networks and holds no secret
// of pgBackRest's, repo2 is a bucket of its own with a key that cannot delete, and the jobs run on
// the repository host. What the containers then do is proven on real programs by
// tests/render/backup/pitr-restore.test.ts, pitr-repo-host.test.ts and pitr-bucket-down.test.ts.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { CONTAINER, NETWORK, REMOTE_COMMAND, Recorded, isSecret, prodConfig, recordProgram, reveal } from "../support/program";
import { TEST_AGE_IDENTITY, TEST_AGE_RECIPIENT } from "../support/prod-stack";
import { validateConfig } from "../../config/validate";
import { derivedImage } from "../../render/backup/postgres-image";
import { decodeBundle } from "../../render/bundle";

const SECRETS = { backupCipherPass: "pitr-host-test-cipher-passphrase", backupIdentity: TEST_AGE_IDENTITY };
const backups = { offsite: { enabled: true, bucket: "mhylle-backups", recipient: TEST_AGE_RECIPIENT, expireDays: 45 }, pitr: { enabled: true } };
let r: Recorded;
/** The same stack with pitr on the server's own repository only (the layout before the bucket). */
let local: Recorded;

before(async () => {
    r = await recordProgram({ ...prodConfig(), backups }, SECRETS);
    local = await recordProgram({ ...prodConfig(), backups: { pitr: { enabled: true } } }, { backupCipherPass: SECRETS.backupCipherPass });
});

const networkOf = (name: unknown) => r.ofType(NETWORK).find((n) => n.inputs.name === name || n.state?.name === name || n.name === name);
const policies = () => r.ofType("scaleway:iam/policy:Policy").map((p) => ({ name: String(p.inputs.name), sets: (p.inputs.rules as { permissionSetNames: string[] }[]).flatMap((x) => x.permissionSetNames) }));

test("pitr with the off-site copy is accepted by validation now that the repository host carries WAL to the bucket", () => {
    assert.doesNotThrow(() => validateConfig({ ...prodConfig(), backups }));
});

test("the repository host runs `pgbackrest server` from the derived image, as postgres, on the database network and on an egress network of its own", () => {
    const repo = r.byName("mhylle-pgbackrest");
    assert.deepEqual(repo.inputs.command, ["pgbackrest", "server"]);
    assert.equal(repo.inputs.user, "postgres");
    assert.equal(r.byName("mhylle-pgbackrest-image").inputs.name, r.byName("mhylle-postgres-image").inputs.name, "the same derived image as PostgreSQL");
    assert.match(String(r.byName("mhylle-pgbackrest-image").inputs.name), /^mhylle-local\/postgres-pgbackrest:15-/);
    const nets = (repo.inputs.networksAdvanced as { name: string; aliases?: string[] }[]).map((n) => n.name);
    assert.equal(nets.length, 2, JSON.stringify(nets));
    const egress = r.byName("mhylle-pgbackrest-egress");
    assert.equal(egress.inputs.internal, false, "the egress network reaches the internet");
    const pgNets = (r.byName("mhylle-postgres").inputs.networksAdvanced as { name: string }[]).map((n) => n.name);
    assert.ok(pgNets.includes(nets[0]), "the repository host is on PostgreSQL's network");
    assert.ok(!pgNets.includes("mhylle-pgbackrest-egress"), "PostgreSQL is not on the egress network");
    for (const n of pgNets) assert.equal(networkOf(n)?.inputs.internal, true, `PostgreSQL's network ${n} is internal`);
});

test("repo1's volume is the repository host's, protected; PostgreSQL's container mounts no repository", () => {
    const volume = r.byName("postgres-pgbackrest");
    assert.equal(volume.options.protect, true);
    // Turning the bucket on keeps the protected volume (same resource), rather than replacing it.
    const before = local.byName("postgres-pgbackrest");
    assert.equal(volume.key, before.key);
    assert.equal(volume.parent, before.parent, "the same parent: the same URN");
    const repoMounts = r.byName("mhylle-pgbackrest").inputs.volumes as any[];
    assert.ok(repoMounts.some((v) => v.volumeName === "postgres-pgbackrest" && v.containerPath === "/var/lib/pgbackrest"));
    const pgMounts = r.byName("mhylle-postgres").inputs.volumes as any[];
    assert.ok(!pgMounts.some((v) => v.volumeName === "postgres-pgbackrest"), JSON.stringify(pgMounts));
    assert.ok(pgMounts.some((v) => v.hostPath === "/opt/platform/secrets/pgbackrest-tls/pg" && v.containerPath === "/etc/pgbackrest/tls" && v.readOnly));
    assert.ok(repoMounts.some((v) => v.hostPath === "/opt/platform/secrets/pgbackrest-tls/repo" && v.containerPath === "/etc/pgbackrest/tls" && v.readOnly));
    assert.match(String((r.byName("mhylle-postgres").inputs.tmpfs as Record<string, string>)["/var/spool/pgbackrest"]), /uid=999,gid=999,mode=0700/);
});

test("repo2 is a bucket of its own, versioned and locked, whose lifecycle never expires a current object", () => {
    const bucket = r.ofType("scaleway:object/bucket:Bucket").find((b) => b.inputs.name === "mhylle-backups-pitr");
    assert.ok(bucket, "a bucket named mhylle-backups-pitr");
    assert.equal(bucket.inputs.objectLockEnabled, true);
    assert.equal(bucket.options.retainOnDelete, true);
    const rules = bucket.inputs.lifecycleRules as any[];
    assert.ok(rules.every((x) => x.expiration === undefined), "archive.info is written once: an expiry by age would take it");
    assert.deepEqual(rules[0].noncurrentVersionExpiration, { noncurrentDays: 1 });
    const locks = r.ofType("scaleway:object/bucketLockConfiguration:BucketLockConfiguration").filter((l) => l.inputs.bucket === "mhylle-backups-pitr");
    assert.deepEqual((locks[0]?.inputs.rule as any)?.defaultRetention, { mode: "COMPLIANCE", days: 45 });
});

test("two keys: the dump job's put-only one and the repository host's read-write one; neither may delete", () => {
    const sets = policies();
    assert.equal(sets.length, 2, JSON.stringify(sets));
    assert.deepEqual(sets.find((p) => p.name === "mhylle-backups-put-only")?.sets, ["ObjectStorageObjectsWrite"]);
    assert.deepEqual(sets.find((p) => p.name === "mhylle-backups-pitr-read-write")?.sets, ["ObjectStorageObjectsRead", "ObjectStorageObjectsWrite"]);
    for (const p of sets) for (const s of p.sets) assert.doesNotMatch(s, /Delete|FullAccess|Buckets|Manager/, `${p.name}: ${s}`);
});

test("the repository host's file is secret and holds the passphrase and the repository key; PostgreSQL's holds neither", () => {
    const hostConf = r.byName("pgbackrest-repository-config");
    assert.equal(hostConf.type, REMOTE_COMMAND);
    assert.ok(isSecret(hostConf.inputs.stdin));
    const text = String(reveal(hostConf.inputs.stdin));
    assert.match(text, /^repo1-cipher-pass=pitr-host-test-cipher-passphrase$/m);
    assert.match(text, /^repo2-s3-bucket=mhylle-backups-pitr$/m);
    const keys = r.ofType("scaleway:iam/apiKey:ApiKey");
    const repoKey = keys.find((k) => k.options.propertyDependencies.applicationId?.some((a: string) => /repository/.test(a)));
    assert.ok(repoKey, "the repository host's key");
    assert.match(text, new RegExp(`^repo2-s3-key=${repoKey.state.accessKey}$`, "m"));
    for (const k of keys.filter((k) => k !== repoKey)) assert.ok(!text.includes(String(k.state.accessKey)), "not the dumps' put-only key");
    assert.match(text, /^expire-auto=n$/m);
    const pgConf = String(reveal(r.byName("pgbackrest-config").inputs.stdin));
    assert.match(pgConf, /^repo1-host=mhylle-pgbackrest$/m);
    assert.doesNotMatch(pgConf, /cipher-pass|s3-key|pitr-host-test/);
    const container = JSON.stringify([r.byName("mhylle-postgres").inputs, r.byName("mhylle-pgbackrest").inputs]);
    assert.ok(!container.includes(SECRETS.backupCipherPass), "no passphrase in either container's inputs");
});

test("the TLS files are made on the server after the image is built, before either container starts; the stanza after both are ready", () => {
    const tls = r.byName("pgbackrest-tls");
    assert.ok(tls.options.dependsOn.includes("postgres-pgbackrest-image"));
    assert.match(String(tls.inputs.create), /--network none/);
    assert.ok(r.byName("mhylle-pgbackrest").options.dependsOn.includes("pgbackrest-tls"), "the repository host starts after its TLS files exist");
    assert.ok(r.byName("pgbackrest-config").options.dependsOn.includes("pgbackrest-tls"), "PostgreSQL's file (and so its container) after the TLS files too");
    const connect = r.byName("pgbackrest-connect");
    for (const d of ["mhylle-postgres-ready", "mhylle-pgbackrest-ready"]) assert.ok(connect.options.dependsOn.includes(d), `${d}: ${connect.options.dependsOn.join(", ")}`);
    assert.match(String(connect.inputs.create), /docker exec --user postgres "\$repo" pgbackrest --stanza=platform stanza-create/);
    assert.throws(() => r.byName("pgbackrest-stanza"), "no stanza-create inside PostgreSQL's container");
    assert.equal(derivedImage(String(/base='([^']+)'/.exec(String(r.byName("postgres-pgbackrest-image").inputs.create))![1])), r.byName("mhylle-pgbackrest-image").inputs.name);
});

test("the pitr jobs run pgBackRest on the repository host", () => {
    const jobs = r.ofType(REMOTE_COMMAND).find((c) => /pitr-full/.test(String(c.inputs.create)));
    assert.ok(jobs);
    const files = decodeBundle(String(reveal(jobs.inputs.stdin)));
    const full = files.find((f) => /pitr-full/.test(f.path));
    assert.ok(full, files.map((f) => f.path).join(", "));
    assert.match(full.content, /^pb_container=\$\{PLATFORM_PITR_PB_CONTAINER:-'mhylle-pgbackrest'\}$/m);
    assert.equal(r.ofType(CONTAINER).filter((c) => c.inputs.name === "mhylle-pgbackrest").length, 1);
});

test("the two layouts keep their pgbackrest.conf files apart: switching the bucket on or off never deletes the file the other layout mounts", () => {
    const paths = (text: unknown) => [...String(reveal(text) ?? "").matchAll(/secrets\/pgbackrest[\w.-]*\.conf/g)].map((m) => m[0]);
    const confCommands = (rec: Recorded) => rec.ofType(REMOTE_COMMAND).filter((c) => paths(c.inputs.create).length || paths(c.inputs.delete).length);
    const written = (rec: Recorded) => new Set(confCommands(rec).flatMap((c) => paths(c.inputs.create)));
    const deletedByGoneCommands = (from: Recorded, to: Recorded) => {
        const kept = new Set(confCommands(to).map((c) => c.name));
        // A command the other layout does not have is deleted at the end of the switching `up`: its delete runs.
        return confCommands(from).filter((c) => !kept.has(c.name)).flatMap((c) => paths(c.inputs.delete));
    };
    assert.ok(written(local).size > 0 && written(r).size > 0, "both layouts write a pgbackrest.conf");
    for (const [from, to, what] of [[r, local, "bucket off"], [local, r, "bucket on"]] as const)
        for (const gone of deletedByGoneCommands(from, to)) assert.ok(!written(to).has(gone), `${what}: the retired command's delete removes ${gone}, which the new layout just wrote`);
    // The jobs and restores read the file of their layout.
    const jobs = (rec: Recorded) => String(reveal(rec.byName("scheduler-jobs").inputs.stdin));
    assert.ok(decodeBundle(jobs(r)).some((f) => f.content.includes("secrets/pgbackrest-repo-host.conf")));
    assert.ok(decodeBundle(jobs(local)).every((f) => !f.content.includes("secrets/pgbackrest-repo-host.conf")));
});
