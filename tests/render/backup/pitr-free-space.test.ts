// The drill and restore-database restore a whole copy of the cluster onto the disk live PostgreSQL
// uses: without room for it they stop before restoring anything, red, naming the space needed
// (the databases' size plus PLATFORM_PITR_FREE_MARGIN_MB, 1024 MB in production). Here the margin
// is set beyond any disk, standing in for a full one.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { docker } from "../../support/containers";
import { needsPitr, startLab, type PitrLab } from "../../support/pitr";
import { DRILL_RESULT } from "../../../render/backup/pitr-jobs";

const skip = needsPitr();
let lab: PitrLab;
const NO_DISK_HAS_THIS = String(1024 * 1024 * 1024); // MB: an exabyte

before(async () => {
    if (skip) return;
    lab = await startLab(`pitrspace-${process.pid}`, 5);
    await lab.startPostgres();
    await lab.psql("postgres", "CREATE ROLE app1 LOGIN; CREATE DATABASE app1_db OWNER app1;");
    await lab.psql("app1_db", "CREATE TABLE t (id int); INSERT INTO t VALUES (1); ALTER TABLE t OWNER TO app1;");
    const full = await lab.bin("pitr-full.sh");
    assert.equal(full.code, 0, `pitr-full failed:\n${full.stderr}${full.stdout}`);
    lab.env.PLATFORM_PITR_FREE_MARGIN_MB = NO_DISK_HAS_THIS;
});

after(async () => {
    if (skip || !lab) return;
    await lab.stop();
});

const copies = async () => (await docker(["volume", "ls", "-q", "--filter", `name=^${lab.pg}-`])).stdout.trim();

test("the drill goes red without room for the copy, before restoring anything", { skip }, async () => {
    const drill = await lab.bin("restore-drill.sh", "--repo", "1");
    assert.notEqual(drill.code, 0, `the drill passed without room for its copy:\n${drill.stdout}`);
    const result = JSON.parse(fs.readFileSync(path.join(lab.root, DRILL_RESULT), "utf8"));
    assert.equal(result.ok, false);
    assert.equal(result.errors.length, 1, JSON.stringify(result.errors));
    assert.match(result.errors[0], /^only \d+ MB free on the database disk; a restored copy needs \d+ MB \(the databases plus 1073741824 MB\): free space, nothing was restored$/);
    assert.match(drill.stderr, /restore drill FAILED/);
    assert.equal(await copies(), "", "no copy's volume is left");
});

test("restore-database stops without room for the copy; the live database is untouched", { skip }, async () => {
    const at = new Date(Date.now() - 1000).toISOString().slice(0, 19).replace("T", " ");
    const r = await lab.bin("restore-database", "--app", "app1", "--at", at, "--repo", "1");
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /only \d+ MB free on the database disk; a restored copy needs/);
    assert.doesNotMatch(r.stdout, /restoring the cluster/);
    assert.equal(await lab.psql("app1_db", "SELECT count(*) FROM t;"), "1");
    assert.equal(await lab.psql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'app1_db_before_%';"), "0");
});
