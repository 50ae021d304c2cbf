// restore-database as a user can get it wrong, on real programs (PostgreSQL 15 with pgBackRest,
// tests/support/pitr.ts; the production script): an app that does not exist, a time before the
// first backup, a release of the app or a restore drill running, and a swap that fails or is
// interrupted (the ssh session hangs up). Each time app1 keeps its database, with its rows, taking connections.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { docker, exec, waitFor } from "../../support/containers";
import { needsPitr, startLab, type PitrLab } from "../../support/pitr";

const skip = needsPitr();
let lab: PitrLab;
/** A UTC second after the full backup, before the last write. */
let target = "";
/** A UTC second before the first backup. */
let beforeBackup = "";
let productionRestore = "";

const utcSecond = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function asApp1(sql: string): Promise<string> {
    const r = await exec("docker", ["exec", "-i", lab.pg, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-U", "app1", "-d", "app1_db"], { input: sql });
    if (r.code !== 0) throw new Error(r.stderr.trim());
    return r.stdout.trim();
}
const rows = () => asApp1("SELECT string_agg(id::text, ',' ORDER BY id) FROM writes;");

/** app1 has its live database: every row, connections allowed, nothing set aside, no copy left. */
async function untouched(what: string) {
    assert.equal(await rows(), "1,2,3,4", `${what}: app1 reads its live rows as its own login`);
    assert.equal(await lab.psql("postgres", "SELECT datallowconn FROM pg_database WHERE datname = 'app1_db';"), "t");
    assert.equal(await lab.psql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'app1_db_before_%';"), "0", `${what}: nothing set aside`);
    assert.equal((await docker(["ps", "-aq", "--filter", `name=${lab.pg}-pitr-`])).stdout.trim(), "", `${what}: the throwaway container is gone`);
    assert.equal((await docker(["volume", "ls", "-q", "--filter", `name=${lab.pg}-pitr-`])).stdout.trim(), "", `${what}: its volume is gone`);
}

before(async () => {
    if (skip) return;
    lab = await startLab(`pitrfail-${process.pid}`, 5);
    await lab.startPostgres();
    await lab.psql("postgres", "CREATE ROLE app1 LOGIN; CREATE DATABASE app1_db OWNER app1;");
    await asApp1("CREATE TABLE writes (id int PRIMARY KEY); INSERT INTO writes VALUES (1), (2), (3);");
    beforeBackup = utcSecond(Date.now() - 2000);
    await sleep(1000);
    const full = await lab.bin("pitr-full.sh");
    assert.equal(full.code, 0, `pitr-full failed:\n${full.stderr}${full.stdout}`);
    await sleep(1500);
    target = utcSecond(Date.now());
    await sleep(1500);
    await asApp1("INSERT INTO writes VALUES (4);");
    // Everything so far in the archive: a restore to the target can finish.
    const wal = await lab.psql("postgres", "SELECT pg_walfile_name(pg_current_wal_insert_lsn());");
    await waitFor("the last write's WAL to be archived", 300_000, async () => ((await lab.psql("postgres", "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver;")) >= wal ? true : undefined));
    productionRestore = fs.readFileSync(path.join(lab.root, "bin", "restore"), "utf8");
});

after(async () => {
    if (skip || !lab) return;
    await lab.stop();
});

test("an app that does not exist is refused before the cluster is restored", { skip }, async () => {
    const r = await lab.bin("restore-database", "--app", "app9", "--at", target);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /no app app9 here: \S+ has neither the database app9_db nor the role app9; nothing was changed/);
    assert.doesNotMatch(r.stdout, /restoring the cluster/, "nothing was restored");
    await untouched("unknown app");
});

test("a time before the first backup fails without changing anything", { skip }, async () => {
    const r = await lab.bin("restore-database", "--app", "app1", "--at", beforeBackup);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /unable to find backup set with stop time less than/);
    assert.match(r.stderr, /pgbackrest restore failed; nothing live was changed/);
    await untouched("before the first backup");
});

test("while a release of app1's backend runs, restore-database is refused", { skip }, async () => {
    const lock = path.join(lab.root, "state", "release-app1-backend.lock");
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    // The release's own lock (render/app/release.sh), held as a release holds it.
    const holder = spawn("flock", ["-o", lock, "sleep", "120"], { stdio: "ignore", detached: true });
    try {
        await waitFor("the lock to be held", 10_000, async () => ((await exec("flock", ["-n", lock, "true"])).code !== 0 ? true : undefined));
        const r = await lab.bin("restore-database", "--app", "app1", "--at", target);
        assert.notEqual(r.code, 0, r.stdout);
        assert.match(r.stderr, /a release of app1's backend is running; run this again when it has finished \(nothing was changed\)/);
        assert.doesNotMatch(r.stdout, /restoring the cluster/);
    } finally {
        process.kill(-holder.pid!, "SIGKILL");
    }
    await untouched("release running");
});

test("while a restore drill runs, restore-database waits for it, and gives up without changing anything", { skip }, async () => {
    // The drills' queue lock (render/schedule.ts), held as the nightly drill holds it.
    const lock = path.join(lab.root, "state", "jobs", "queue-restore-drills.lock");
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    const holder = spawn("flock", ["-o", lock, "sleep", "120"], { stdio: "ignore", detached: true });
    lab.env.PLATFORM_PITR_QUEUE_WAIT_SECONDS = "3";
    try {
        await waitFor("the lock to be held", 10_000, async () => ((await exec("flock", ["-n", lock, "true"])).code !== 0 ? true : undefined));
        const r = await lab.bin("restore-database", "--app", "app1", "--at", target);
        assert.notEqual(r.code, 0, r.stdout);
        assert.match(r.stdout, /a restore drill is running; waiting for it to finish/);
        assert.match(r.stderr, /a restore drill still runs after 3 s; nothing was changed/);
        assert.doesNotMatch(r.stdout, /restoring the cluster/);
    } finally {
        delete lab.env.PLATFORM_PITR_QUEUE_WAIT_SECONDS;
        process.kill(-holder.pid!, "SIGKILL");
    }
    await untouched("drill running");
});

/** bin/restore replaced by one that makes a partial app1_db, then fails or hangs. */
function stubRestore(then: string) {
    fs.writeFileSync(path.join(lab.root, "bin", "restore"), `#!/bin/bash
docker exec -i "$PLATFORM_POSTGRES_CONTAINER" psql -X -q -U postgres -d postgres -c "CREATE DATABASE \\"$1\\" OWNER app1"
touch "$PLATFORM_ROOT/restore-started"
${then}
`, { mode: 0o755 });
}

test("when the swap fails, app1 gets its previous database back, taking connections", { skip }, async () => {
    stubRestore("exit 1");
    try {
        const r = await lab.bin("restore-database", "--app", "app1", "--at", target);
        assert.notEqual(r.code, 0, r.stdout);
        assert.match(r.stdout, /the live app1_db is kept as app1_db_before_/, "the swap had begun");
        assert.match(r.stderr, /restoring app1_db into \S+ failed/);
        assert.match(r.stderr, /the previous app1_db is back in place/);
    } finally {
        fs.writeFileSync(path.join(lab.root, "bin", "restore"), productionRestore, { mode: 0o755 });
    }
    await untouched("failed swap");
});

test("when the session hangs up during the swap, app1 gets its previous database back, taking connections", { skip }, async () => {
    stubRestore("sleep 300");
    const started = path.join(lab.root, "restore-started");
    fs.rmSync(started, { force: true });
    let child: ChildProcess | undefined;
    try {
        // Its own process group, as an ssh session's: the hang-up reaches every process in it.
        child = spawn(path.join(lab.root, "bin", "restore-database"), ["--app", "app1", "--at", target], { env: { ...process.env, ...lab.env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        child.stdout!.resume();
        const exited = new Promise<number | null>((resolve) => child!.on("close", (code) => resolve(code)));
        await waitFor("the swap to begin", 600_000, async () => (fs.existsSync(started) ? true : undefined));
        assert.equal(await lab.psql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'app1_db_before_%';"), "1", "the live database had stepped aside");
        process.kill(-child.pid!, "SIGHUP");
        const code = await exited;
        assert.notEqual(code, 0);
        assert.match(stderr, /the previous app1_db is back in place/);
    } finally {
        try {
            process.kill(-child!.pid!, "SIGKILL");
        } catch {
            // already gone
        }
        fs.writeFileSync(path.join(lab.root, "bin", "restore"), productionRestore, { mode: 0o755 });
    }
    await untouched("hung-up swap");
});
