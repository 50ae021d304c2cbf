// A backup that fails exits non-zero, leaves no half-written dump, keeps the good ones, and shows
// up red in the status report with its cause: database down, disk full, bad credentials.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { needs } from "../../support/requirements";
import { POSTGRES_IMAGE, needsImages, ok, opsRoot, psql, removeContainers, sh, startPostgres, waitFor } from "../../support/ops";
import { appDatabaseSql, ROLE_PASSWORD_ENV } from "../../../render/database-sql";

const PG = "opstest-failures-postgres";
const skip = needsImages(POSTGRES_IMAGE);
const skipRoot = skip || needs("root", "mount");
const ops = skip ? undefined : opsRoot();
const env = (extra: Record<string, string> = {}) => ({ ...ops!.env, PLATFORM_POSTGRES_CONTAINER: PG, PLATFORM_CORE_CONTAINERS: PG, PLATFORM_NGINX_CONTAINER: "opstest-failures-no-nginx", ...extra });
const backupsDir = () => path.join(ops!.root, "backups");

function backup(extra: Record<string, string> = {}) {
    const r = sh(path.join(ops!.root, "bin/run-job"), ["backup"], { env: env(extra) });
    const status = fs.readFileSync(path.join(ops!.root, "state/jobs/backup.status"), "utf8").split(" ");
    const summary = fs.readFileSync(path.join(ops!.root, "state/backups/last.tsv"), "utf8");
    const log = fs.readFileSync(path.join(ops!.root, "logs/jobs/backup.log"), "utf8");
    return { code: r.code, recorded: Number(status[0]), summary, log };
}

/** The report's backup checks after a refresh, and platform-status's exit code. */
function reported() {
    const r = sh(path.join(ops!.root, "bin/platform-status"), ["--refresh"], { env: env() });
    const json = JSON.parse(fs.readFileSync(path.join(ops!.root, "state/status.json"), "utf8"));
    return { code: r.code, status: json.status, backups: json.checks.filter((c: any) => c.group === "backups" || c.group === "jobs"), text: r.stdout };
}

const dumps = () => fs.readdirSync(backupsDir(), { recursive: true }).map(String).filter((f) => /\.(dump|sql|partial)$/.test(f)).sort();

before(() => {
    if (skip) return;
    startPostgres(PG);
    psql(PG, "postgres", appDatabaseSql("app1"), { [ROLE_PASSWORD_ENV]: "pw" });
    // Random bytes do not compress: the dump is about as large as the table (~4 MB).
    psql(PG, "app1_db", "SET ROLE app1; CREATE TABLE blobs AS SELECT i, decode(string_agg(md5(random()::text || j), ''), 'hex') AS b FROM generate_series(1, 64) i, generate_series(1, 4000) j GROUP BY i;");
});

after(() => {
    if (!skipRoot && ops) sh("umount", [backupsDir()]);
    removeContainers(PG);
    ops?.cleanup();
});

test("a good run first: every database dumped, the report's backups are ok", { skip }, () => {
    const r = backup();
    assert.equal(r.code, 0, r.log);
    const rep = reported();
    assert.ok(rep.backups.some((c: any) => c.name === "app1_db" && c.status === "ok"), rep.text);
});

test("bad credentials: non-zero, nothing written, reported with the cause", { skip }, () => {
    const before = dumps();
    const r = backup({ PLATFORM_POSTGRES_USER: "intruder" });
    assert.notEqual(r.code, 0);
    assert.equal(r.recorded, r.code);
    assert.match(r.summary, /^\*\tfailed\t.*role "intruder" does not exist/m);
    assert.match(r.log, /FAILED \*: cannot list databases/);
    assert.deepEqual(dumps(), before);
    const rep = reported();
    assert.equal(rep.status, "red");
    assert.equal(rep.code, 1);
    assert.ok(rep.backups.some((c: any) => c.status === "fail" && /role "intruder" does not exist/.test(c.summary)), rep.text);
    assert.ok(rep.backups.some((c: any) => c.group === "jobs" && c.name === "backup" && c.status === "fail"), rep.text);
});

test("database down: non-zero and reported", { skip }, () => {
    ok("docker", ["stop", "-t", "2", PG]);
    try {
        const r = backup();
        assert.notEqual(r.code, 0);
        assert.match(r.summary, /^\*\tfailed\t0\t0\t-\tcannot list databases in opstest-failures-postgres/m);
        const rep = reported();
        assert.equal(rep.status, "red");
        assert.match(rep.text, /FAIL backups +last run: \*: cannot list databases/);
    } finally {
        ok("docker", ["start", PG]);
        waitFor(() => sh("docker", ["exec", PG, "pg_isready", "-q", "-U", "postgres"]).code === 0, 60_000, "postgres back");
    }
});

test("disk full: refused before writing when below minFreeMb; a write that hits ENOSPC fails and leaves no partial dump", { skip: skipRoot }, () => {
    const keep = path.join(ops!.root, "kept");
    fs.cpSync(backupsDir(), keep, { recursive: true });
    const before = dumps();
    ok("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", backupsDir()]);
    try {
        const refused = backup();
        assert.notEqual(refused.code, 0);
        assert.match(refused.summary, /^\*\tfailed\t0\t0\t-\tonly [0-9] MB free on the backup disk, below 1024 MB/m);

        const full = backup({ PLATFORM_BACKUP_MIN_FREE_MB: "0" });
        assert.notEqual(full.code, 0, full.log);
        assert.match(full.summary, /^app1_db\tfailed\t0\t0\t-\tdump failed: .*No space left on device/m);
        assert.deepEqual(dumps().filter((f) => f.endsWith(".partial")), [], "no partial dump left behind");
        const rep = reported();
        assert.equal(rep.status, "red");
        assert.ok(rep.backups.some((c: any) => c.name === "last run: app1_db" && c.status === "fail"), rep.text);
    } finally {
        sh("umount", [backupsDir()]);
    }
    assert.deepEqual(dumps(), before, "the earlier good dumps are untouched");
    fs.rmSync(keep, { recursive: true });
});

test("maintenance (vacuumdb --all --analyze) runs, is logged and shows in the report with its result", { skip }, () => {
    const r = sh(path.join(ops!.root, "bin/run-job"), ["maintenance"], { env: env() });
    assert.equal(r.code, 0);
    const log = fs.readFileSync(path.join(ops!.root, "logs/jobs/maintenance.log"), "utf8");
    assert.match(log, /vacuumdb: vacuuming database "app1_db"/);
    assert.match(log, /maintenance done/);
    const rep = reported();
    const m = rep.backups.find((c: any) => c.group === "jobs" && c.name === "maintenance");
    assert.equal(m?.status, "ok");
    assert.match(m.summary, /^last run \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, exit 0/);
});
