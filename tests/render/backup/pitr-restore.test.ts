// Point-in-time recovery on real programs: PostgreSQL 15 with pgBackRest in containers, started with
// production's archiving command and pgbackrest.conf, and s3rver on this machine as the off-site
// bucket. The production scripts (bin/pitr-full.sh, restore-database, restore-drill.sh,
// restore-cluster) do every step. In order:
//   1. the nightly drill restores the newest backup and WAL and records RTO and RPO;
//   2. app1 goes back to a second between two known writes while app2 is written throughout;
//   3. a drill against a corrupted repository goes red;
//   4. the server is lost (container, data volume and local repository removed) and the whole
//      cluster comes back from the bucket alone, with every write acknowledged more than 60 s
//      (production's archive_timeout) before the loss.
// The test runs with archive_timeout = 5 s to stay short; it asserts the 60 s property, not timing.
// Production's layout with the bucket: PostgreSQL pushes WAL over TLS to the pgBackRest repository
// host, which holds both repositories, the passphrase and the bucket's key and runs the backups
// (render/backup/pgbackrest-host.ts; that PostgreSQL itself cannot reach the bucket is shown by
// pitr-repo-host.test.ts, so this lab keeps one network).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { docker, exec } from "../../support/containers";
import { needsPitr, PITR_IMAGE, startLab, type PitrLab } from "../../support/pitr";
import { DRILL_RESULT } from "../../../render/backup/pitr-jobs";
import { judgeDrill } from "../../support/drill-alerts";

const skip = needsPitr();
const PRODUCTION_ARCHIVE_TIMEOUT_S = 60;
let lab: PitrLab;
/** When app1's restore finished: the lost-server test waits until that is older than 60 s too. */
let app1RestoredAt = 0;

interface Ack { id: number; at: number }
/** app2's writes, each with the moment the test got its commit acknowledged; failures counted. */
const app2 = { acks: [] as Ack[], failures: [] as string[], running: false, loop: Promise.resolve() };

async function asApp(app: string, sql: string): Promise<string> {
    const r = await exec("docker", ["exec", "-i", "-e", `PGPASSWORD=${app}-password`, lab.pg, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", app, "-d", `${app}_db`], { input: sql });
    if (r.code !== 0) throw new Error(r.stderr.trim());
    return r.stdout.trim();
}

function startApp2Writer() {
    app2.running = true;
    app2.loop = (async () => {
        while (app2.running) {
            try {
                const id = Number(await asApp("app2", "INSERT INTO writes DEFAULT VALUES RETURNING id;"));
                app2.acks.push({ id, at: Date.now() });
            } catch (err) {
                app2.failures.push(String(err));
            }
            await new Promise((r) => setTimeout(r, 250));
        }
    })();
}
async function stopApp2Writer() {
    app2.running = false;
    await app2.loop;
}

/** Waits until the WAL holding everything committed so far is in the archive (pg_stat_archiver). */
async function archivedNow() {
    const wal = await lab.psql("postgres", "SELECT pg_walfile_name(pg_current_wal_insert_lsn());");
    // A generous bound: archive_timeout is 5 s here; without archiving this would never end.
    for (const deadline = Date.now() + 300_000; Date.now() < deadline; ) {
        const last = await lab.psql("postgres", "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver;");
        if (last >= wal) return;
        await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${wal} was not archived within 5 minutes`);
}

const utcSecond = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");
const ids = async (app: string) => (await asApp(app, "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM writes;")).split(",").filter(Boolean).map(Number);

before(async () => {
    if (skip) return;
    lab = await startLab(`pitr-${process.pid}`, 5, { repoHost: true });
    await lab.startPostgres();
    for (const app of ["app1", "app2"]) {
        await lab.psql("postgres", `CREATE ROLE ${app} LOGIN PASSWORD '${app}-password'; CREATE DATABASE ${app}_db OWNER ${app}; REVOKE ALL ON DATABASE ${app}_db FROM PUBLIC;`);
        await asApp(app, "CREATE TABLE writes (id serial PRIMARY KEY, note text, at timestamptz NOT NULL DEFAULT clock_timestamp());");
    }
    const full = await lab.bin("pitr-full.sh");
    assert.equal(full.code, 0, `pitr-full failed:\n${full.stderr}${full.stdout}`);
    startApp2Writer();
});

const opsRoots: { cleanup(): void }[] = [];
after(async () => {
    opsRoots.forEach((r) => r.cleanup());
    if (skip || !lab) return;
    await stopApp2Writer();
    await lab.stop();
});

test("the full backup reached both repositories, encrypted", { skip }, async () => {
    const info = await exec("docker", ["exec", "--user", "postgres", lab.pb, "pgbackrest", "--stanza=platform", "--output=json", "info"]);
    const stanza = JSON.parse(info.stdout)[0];
    assert.equal(stanza.cipher, "aes-256-cbc");
    for (const key of [1, 2]) assert.ok(stanza.backup.some((b: any) => b.type === "full" && b.database["repo-key"] === key), `a full backup in repo${key}: ${info.stdout}`);
    // What the bucket holds is ciphertext: every object (s3rver keeps each as a file) is OpenSSL's salted format.
    const objects = fs.readdirSync(lab.s3Dir, { recursive: true }).map(String).filter((f) => f.endsWith("._S3rver_object"));
    assert.ok(objects.some((f) => f.includes("pg_control")), `pg_control is in the bucket: ${objects.slice(0, 5).join(", ")}`);
    const clear = objects.filter((f) => fs.readFileSync(path.join(lab.s3Dir, f)).subarray(0, 8).toString("latin1") !== "Salted__");
    assert.deepEqual(clear, [], "no object in the bucket is stored in the clear");
});

test("the nightly drill restores the newest backup and WAL, checks every app database and records RTO and RPO", { skip }, async () => {
    await asApp("app1", "INSERT INTO writes (note) VALUES ('before the drill');");
    const drill = await lab.bin("restore-drill.sh");
    assert.equal(drill.code, 0, `drill failed:\n${drill.stderr}${drill.stdout}`);
    const result = JSON.parse(fs.readFileSync(path.join(lab.root, DRILL_RESULT), "utf8"));
    assert.equal(result.ok, true);
    assert.equal(result.repo, 2, "the drill restores from the off-site repository, the one a lost server needs");
    assert.ok(Number.isInteger(result.rtoSeconds) && result.rtoSeconds >= 0, JSON.stringify(result));
    assert.ok(Number.isInteger(result.rpoSeconds) && result.rpoSeconds >= 0, JSON.stringify(result));
    assert.deepEqual(result.errors, []);
    for (const db of ["app1_db", "app2_db"]) assert.ok(result.checks.some((c: string) => c.startsWith(`${db}: 1 tables`)), JSON.stringify(result.checks));
    const left = (await docker(["ps", "-aq", "--filter", `name=${lab.pg}-drill`])).stdout.trim();
    assert.equal(left, "", "the throwaway container is gone");
    console.log(`drill: RTO ${result.rtoSeconds} s, RPO ${result.rpoSeconds} s (${result.checks.join("; ")})`);
});

test("restore-database takes app1 back to a second between two writes; app2, written throughout, keeps every write", { skip }, async () => {
    await asApp("app1", "INSERT INTO writes (note) VALUES ('kept 1'), ('kept 2');");
    const before = await ids("app1");
    // The target: a whole second after the last kept write committed, before the next one.
    const committed = Date.now();
    await new Promise((r) => setTimeout(r, 2000 - (committed % 1000)));
    const target = utcSecond(Date.now());
    await new Promise((r) => setTimeout(r, 1500));
    await asApp("app1", "INSERT INTO writes (note) VALUES ('after the target 1');");
    await asApp("app1", "DELETE FROM writes WHERE note = 'kept 1';");
    await archivedNow();
    const failuresBefore = app2.failures.length;
    const acksBefore = app2.acks.length;

    const r = await lab.bin("restore-database", "--app", "app1", "--at", target);
    assert.equal(r.code, 0, `restore-database failed:\n${r.stderr}${r.stdout}`);
    app1RestoredAt = Date.now();

    assert.deepEqual(await ids("app1"), before, `app1 has exactly the writes before ${target}`);
    assert.equal(await asApp("app1", "SELECT count(*) FROM writes WHERE note LIKE 'after%';"), "0");
    // The owner and the least-privilege grants came back with the database.
    assert.equal(await lab.psql("postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app1_db';"), "app1");
    assert.match(await lab.psql("postgres", "SELECT datacl::text FROM pg_database WHERE datname = 'app1_db';"), /app1=/);
    const kept = await lab.psql("postgres", "SELECT datname FROM pg_database WHERE datname LIKE 'app1_db_before_%';");
    assert.match(kept, /^app1_db_before_\d{8}T\d{6}Z$/, "the replaced database is kept under another name");

    // app2 was written during the whole restore: every request succeeded and every write is there.
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(app2.failures.slice(failuresBefore), [], "app2's writes kept succeeding");
    assert.ok(app2.acks.length > acksBefore, "app2 was written while app1 was restored");
    const have = new Set(await ids("app2"));
    assert.deepEqual(app2.acks.filter((a) => !have.has(a.id)), [], "app2 lost nothing");
});

test("a drill against a corrupted backup goes red, says why, and alerts", { skip }, async () => {
    // Flip bytes in the middle of the largest file of repo1's backups.
    const corrupt = await exec("docker", ["run", "--rm", "--user", "postgres", "--entrypoint", "sh", "-v", `${lab.repoVolume}:/repo`, PITR_IMAGE, "-c",
        'f=$(find /repo/backup -type f -name "*.zst" -printf "%s %p\\n" | sort -n | tail -n 1 | cut -d" " -f2) && [ -n "$f" ] && s=$(stat -c %s "$f") && printf "CORRUPTCORRUPTCORRUPT" | dd of="$f" bs=1 seek=$((s / 2)) conv=notrunc status=none && echo "$f"']);
    assert.equal(corrupt.code, 0, corrupt.stderr);
    const drill = await lab.bin("restore-drill.sh", "--repo", "1");
    assert.notEqual(drill.code, 0, `the drill passed on a corrupted backup:\n${drill.stdout}`);
    const result = JSON.parse(fs.readFileSync(path.join(lab.root, DRILL_RESULT), "utf8"));
    assert.equal(result.ok, false);
    assert.ok(result.errors.includes("pgbackrest verify of repo1 found errors"), JSON.stringify(result.errors));
    assert.ok(!result.errors.some((e: string) => /repo2/.test(e)), `the intact off-site repository passes: ${JSON.stringify(result.errors)}`);
    // The status program reads this very result: the drill's check is red and one alert goes out.
    const verdict = judgeDrill(result, opsRoots);
    assert.equal(verdict.checks[0].status, "fail");
    assert.match(verdict.checks[0].summary, /FAILED .*pgbackrest verify of repo1 found errors/);
    assert.equal(verdict.first.length, 1, "one alert");
    assert.match(verdict.first[0].title, /restore drill failed$/);
});

test("a lost server comes back from the bucket alone with every write acknowledged more than 60 s before the loss", { skip }, async () => {
    // app2 has been written since the start; keep going until the oldest write is well past 60 s.
    const first = app2.acks[0]?.at ?? Date.now();
    const wait = Math.max(first + 10_000, app1RestoredAt) + (PRODUCTION_ARCHIVE_TIMEOUT_S + 5) * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const app1Before = await ids("app1");
    await stopApp2Writer();
    const lostAt = Date.now();
    // The loss: both containers, the data volume and the local repository, all gone.
    await docker(["rm", "-f", lab.pg, lab.pb]);
    await docker(["volume", "rm", lab.dataVolume, lab.repoVolume]);

    // The rebuilt server: a fresh, empty PostgreSQL and repository host as `pulumi up` makes them
    // (the stack's connect step finds the bucket holding the lost cluster and says so), then the restore.
    await lab.startPostgres();
    assert.match(lab.connectLog[lab.connectLog.length - 1], /restore-cluster --yes --repo 2/, "the rebuilt server's connect step names the restore");
    const started = Date.now();
    const r = await lab.bin("restore-cluster", "--yes", "--repo", "2");
    const rtoSeconds = (Date.now() - started) / 1000;
    assert.equal(r.code, 0, `restore-cluster failed:\n${r.stderr}${r.stdout}`);

    const have = new Set(await ids("app2"));
    const old = app2.acks.filter((a) => a.at < lostAt - PRODUCTION_ARCHIVE_TIMEOUT_S * 1000);
    assert.ok(old.length >= 20, `enough writes older than 60 s to judge (${old.length})`);
    assert.deepEqual(old.filter((a) => !have.has(a.id)), [], "every write acknowledged more than 60 s before the loss is there");
    assert.ok(app1RestoredAt > 0 && app1RestoredAt < lostAt - PRODUCTION_ARCHIVE_TIMEOUT_S * 1000);
    assert.deepEqual(await ids("app1"), app1Before, "app1 as it was after its restore");
    const newest = Math.max(...app2.acks.filter((a) => have.has(a.id)).map((a) => a.at));
    console.log(`lost server: RTO ${rtoSeconds.toFixed(1)} s (restore-cluster), RPO ${((lostAt - newest) / 1000).toFixed(1)} s with archive_timeout ${lab.backups.pitr.archiveTimeoutSeconds} s; ${app2.acks.length - have.size} of ${app2.acks.length} app2 writes were newer than the archive`);
    // The restored server archives again: a new full backup to the new local repository works.
    const full = await lab.bin("pitr-full.sh");
    assert.equal(full.code, 0, `pitr-full after the rebuild failed:\n${full.stderr}${full.stdout}`);
});
