// The rendered pgBackRest configuration and archiving settings, and the pitr scripts' checks of
// their arguments (before anything is touched). The restores themselves: pitr-restore.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { archivingCommand, pgbackrestConf } from "../../../render/backup/pgbackrest";
import { pitrSchedule } from "../../../render/backup/pitr-jobs";
import { productionTargets } from "../../../render/backup/layout";
import { jobFiles } from "../../../render/schedule";
import { validateConfig } from "../../../config/validate";
import { needs } from "../../support/requirements";
import { pitrBackups } from "../../support/pitr";
import { prodConfig } from "../../support/prod-stack";

const secrets = { cipherPass: "correct horse battery staple", s3Key: "SCWKEY", s3Secret: "scw-secret" };

test("pgbackrest.conf: both repositories encrypted with the passphrase, retention in days, the bucket on Scaleway's endpoint, path style", () => {
    const conf = pgbackrestConf(pitrBackups(60), secrets);
    for (const n of [1, 2]) {
        assert.match(conf, new RegExp(`^repo${n}-cipher-type=aes-256-cbc$`, "m"));
        assert.match(conf, new RegExp(`^repo${n}-cipher-pass=correct horse battery staple$`, "m"));
        assert.match(conf, new RegExp(`^repo${n}-retention-full-type=time$`, "m"));
        assert.match(conf, new RegExp(`^repo${n}-retention-full=14$`, "m"));
        assert.match(conf, new RegExp(`^repo${n}-retention-diff=7$`, "m"));
    }
    assert.match(conf, /^repo1-path=\/var\/lib\/pgbackrest$/m);
    assert.match(conf, /^repo2-type=s3$/m);
    assert.match(conf, /^repo2-s3-endpoint=s3\.fr-par\.scw\.cloud$/m);
    assert.match(conf, /^repo2-s3-region=fr-par$/m);
    assert.match(conf, /^repo2-s3-bucket=pitr-bucket-pitr$/m, "repo2 is its own bucket beside the dumps' (their lifecycle would expire archive.info)");
    assert.match(conf, /^repo2-s3-uri-style=path$/m);
    assert.match(conf, /^repo2-s3-key-secret=scw-secret$/m);
    assert.doesNotMatch(conf, /storage-verify-tls|storage-port|ca-file/, "production verifies Scaleway's certificate on 443");
    assert.match(conf, /^\[platform\]\npg1-path=\/var\/lib\/postgresql\/data\/pgdata$/m);
});

test("pgbackrest.conf without the off-site copy has repo1 only; retention follows config", () => {
    const b = validateConfig({ backups: { pitr: { enabled: true, retentionFullDays: 30, retentionDiff: 3 } } }).backups;
    const conf = pgbackrestConf(b, { cipherPass: "p" });
    assert.doesNotMatch(conf, /^repo2-/m);
    assert.match(conf, /^repo1-retention-full=30$/m);
    assert.match(conf, /^repo1-retention-diff=3$/m);
});

test("a passphrase or key with a line break is refused: it would add options to the file", () => {
    assert.throws(() => pgbackrestConf(pitrBackups(60), { ...secrets, cipherPass: "a\nrepo1-path=/tmp" }), /backupCipherPass must be one line/);
    assert.throws(() => pgbackrestConf(pitrBackups(60), { ...secrets, s3Secret: "x\r" }), /backupSecretKey must be one line/);
    assert.throws(() => pgbackrestConf(pitrBackups(60), { cipherPass: "p" }), /repo2 needs the bucket's keys/);
});

test("PostgreSQL archives every segment through pgBackRest, at least every 60 s by default", () => {
    const b = validateConfig({ backups: { pitr: { enabled: true } } }).backups;
    assert.deepEqual(archivingCommand(b.pitr), [
        "postgres",
        "-c", "wal_level=replica",
        "-c", "archive_mode=on",
        "-c", "archive_command=pgbackrest --stanza=platform archive-push %p",
        "-c", "archive_timeout=60",
    ]);
    assert.throws(() => validateConfig({ backups: { pitr: { archiveTimeoutSeconds: 61 } } }), /archiveTimeoutSeconds/);
});

test("pitr is off by default; on, it schedules full, differential and drill jobs and installs the two restores", () => {
    assert.deepEqual(pitrSchedule(productionTargets("/opt/platform"), validateConfig({}).backups), { jobs: [], commands: [] });
    const { jobs, commands } = pitrSchedule(productionTargets("/opt/platform"), pitrBackups(60));
    assert.deepEqual(jobs.map((j) => `${j.name} ${j.schedule}`), ["pitr-full 15 3 * * 0", "pitr-diff 15 3 * * 1-6", "restore-drill 45 4 * * *"]);
    assert.deepEqual(commands.map((c) => c.name), ["restore-database", "restore-cluster"]);
});

function installed(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pitr-scripts-"));
    const { jobs, commands } = pitrSchedule(productionTargets("/opt/platform"), pitrBackups(60));
    for (const f of jobFiles("/opt/platform", jobs, commands)) fs.writeFileSync(path.join(dir, f.path), f.content, { mode: 0o755 });
    return dir;
}

test("the rendered pitr scripts pass shellcheck", { skip: needs("shellcheck") }, () => {
    const dir = installed();
    const r = spawnSync("shellcheck", ["-S", "style", ...["pitr-full.sh", "pitr-diff.sh", "restore-drill.sh", "restore-database", "restore-cluster"].map((f) => path.join(dir, f))], { encoding: "utf8" });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stdout);
});

test("restore-database, restore-cluster and restore-drill refuse bad arguments before touching Docker", () => {
    const dir = installed();
    // A docker that records being called: nothing may reach it.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "pitr-fake-docker-"));
    const calls = path.join(bin, "calls");
    fs.writeFileSync(path.join(bin, "docker"), `#!/bin/sh\necho "$*" >> ${calls}\nexit 1\n`, { mode: 0o755 });
    const run = (cmd: string, args: string[]) => spawnSync(path.join(dir, cmd), args, { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    const cases: [string, string[], RegExp][] = [
        ["restore-database", ["--app", "app1", "--at", "yesterday"], /--at must be a UTC time such as "2026-12-06 10:42:17", got "yesterday"/],
        ["restore-database", ["--app", "app1", "--at", "2026-13-40 10:00:00"], /--at must be a UTC time/],
        ["restore-database", ["--app", "App1;rm", "--at", "2026-12-06 10:42:17"], /--app must be an app's name such as app1, got "App1;rm"/],
        ["restore-database", ["--app", "app1", "--at", "2026-12-06 10:42:17", "--repo", "3"], /--repo must be one of: 1 2/],
        ["restore-database", ["--bogus"], /unknown argument --bogus; usage: restore-database/],
        ["restore-database", ["--app", "app1", "--at"], /--at needs a value; usage: restore-database/],
        ["restore-database", ["--app"], /--app needs a value; usage: restore-database/],
        ["restore-cluster", ["--yes", "--repo"], /--repo needs a value; usage: restore-cluster/],
        ["restore-database", ["--app", "app1", "--at", "2999-01-01 00:00:00"], /--at "2999-01-01 00:00:00" is in the future \(now: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\); --at is UTC/],
        ["restore-drill.sh", ["--repo", "3"], /--repo must be one of: 1 2/],
        ["restore-cluster", [], /run it with --yes/],
        ["restore-cluster", ["--yes", "--at", "noon"], /--at must be a UTC time/],
        ["restore-cluster", ["--yes", "--at", "2999-01-01 00:00:00"], /--at "2999-01-01 00:00:00" is in the future/],
    ];
    for (const [cmd, args, message] of cases) {
        const r = run(cmd, args);
        assert.notEqual(r.status, 0, `${cmd} ${args.join(" ")}`);
        assert.match(r.stderr, message);
    }
    assert.equal(fs.existsSync(calls), false, "docker was never called");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(bin, { recursive: true, force: true });
});

test("pitr with the managed database alone (no PostgreSQL container) is refused, naming the field and the fix", () => {
    const prod = prodConfig();
    const raw = { ...prod, database: { ...(prod.database as object), managed: { enabled: true } }, backups: { pitr: { enabled: true } } };
    assert.throws(() => validateConfig(raw), /backups\.pitr\.enabled: is true but the apps use the managed database and no PostgreSQL container runs; turn it off/);
    assert.doesNotThrow(() => validateConfig({ ...raw, backups: { pitr: { enabled: false } } }));
});
