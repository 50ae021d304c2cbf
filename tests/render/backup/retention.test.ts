// Retention: the pure selection, and the production prune script on folders of crafted dumps,
// which must delete exactly what the selection says and nothing else.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { backupTime, isoWeek, selectForDeletion } from "../../../render/backup/retention";
import { needs } from "../../support/requirements";
import { opsRoot, sh } from "../../support/ops";

const name = (db: string, iso: string) => `${db}_${iso.replace(/[-:]/g, "").replace(/\.\d+/, "")}.dump`;
/** One dump at 02:30 UTC on each of `days` consecutive days ending at `end`. */
function nightly(db: string, end: string, days: number): string[] {
    const t = Date.parse(`${end}T02:30:00Z`);
    return Array.from({ length: days }, (_, i) => name(db, new Date(t - i * 86_400_000).toISOString()));
}

test("isoWeek follows ISO 8601 at year boundaries", () => {
    assert.equal(isoWeek(new Date("2026-01-01T00:00:00Z")), "2026-W01"); // a Thursday
    assert.equal(isoWeek(new Date("2027-01-01T00:00:00Z")), "2026-W53"); // a Friday
    assert.equal(isoWeek(new Date("2024-12-30T00:00:00Z")), "2025-W01"); // a Monday
    assert.equal(isoWeek(new Date("2026-11-29T23:59:59Z")), "2026-W48"); // a Sunday
    assert.equal(isoWeek(new Date("2026-11-30T00:00:00Z")), "2026-W49");
});

test("backupTime accepts only real UTC stamps in the job's file names", () => {
    assert.equal(backupTime("app1_db_20261125T023000Z.dump")?.toISOString(), "2026-11-25T02:30:00.000Z");
    assert.equal(backupTime("globals_20261125T023000Z.sql")?.toISOString(), "2026-11-25T02:30:00.000Z");
    for (const n of ["app1_db_20261340T023000Z.dump", "app1_db_20260230T023000Z.dump", "app1_db_20261125T253000Z.dump", "app1_db_20261125T023000Z.dump.partial", "notes.txt", "app1_db_20261125T023000Z.pre-restore"])
        assert.equal(backupTime(n), undefined, n);
});

test("60 nights with 7 daily and 4 weekly keep the last 7 nights and the newest of the last 4 ISO weeks", () => {
    const files = nightly("app1_db", "2026-11-25", 60); // Wednesday
    const removed = selectForDeletion(files, { keepDaily: 7, keepWeekly: 4 });
    const kept = files.filter((f) => !removed.includes(f)).sort();
    assert.deepEqual(kept, [
        "app1_db_20261108T023000Z.dump", // Sunday, newest of W45
        "app1_db_20261115T023000Z.dump", // W46
        "app1_db_20261119T023000Z.dump",
        "app1_db_20261120T023000Z.dump",
        "app1_db_20261121T023000Z.dump",
        "app1_db_20261122T023000Z.dump", // also the newest of W47
        "app1_db_20261123T023000Z.dump",
        "app1_db_20261124T023000Z.dump",
        "app1_db_20261125T023000Z.dump", // newest of W48
    ]);
    assert.equal(removed.length, 51);
});

test("several dumps a day: only the newest of each day counts", () => {
    const files = ["db_20261125T010000Z.dump", "db_20261125T020000Z.dump", "db_20261125T230000Z.dump", "db_20261124T230000Z.dump"];
    assert.deepEqual(selectForDeletion(files, { keepDaily: 2, keepWeekly: 0 }), ["db_20261125T010000Z.dump", "db_20261125T020000Z.dump"]);
});

test("a month without backups never lets retention delete the last good dumps", () => {
    const files = nightly("db", "2026-09-30", 10);
    assert.deepEqual(selectForDeletion(files, { keepDaily: 7, keepWeekly: 0 }).length, 3);
    assert.deepEqual(selectForDeletion(files.slice(0, 1), { keepDaily: 1, keepWeekly: 0 }), []);
});

test("names that are not backups are never selected", () => {
    const files = ["db_20200101T000000Z.dump", "db_20200102T000000Z.dump", "README", "db_20200101T000000Z.dump.partial", "db_20200101T000000Z.pre-restore", "db_20201399T000000Z.dump"];
    assert.deepEqual(selectForDeletion(files, { keepDaily: 1, keepWeekly: 0 }), ["db_20200101T000000Z.dump"]);
});

const skip = needs("date", "find");
const ops = skip ? undefined : opsRoot({ backups: { keepDaily: 7, keepWeekly: 4 } });
after(() => ops?.cleanup());

/** Deterministic pseudo-random sets: irregular gaps, several a day, across a year boundary. */
function crafted(seed: number): string[] {
    let x = seed;
    const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const out = new Set<string>();
    let t = Date.parse("2027-01-20T00:00:00Z");
    while (out.size < 80) {
        t -= Math.floor(rand() * 3 * 86_400_000);
        out.add(name("app1_db", new Date(t + Math.floor(rand() * 86_400) * 1000).toISOString()));
    }
    return [...out];
}

test("the production prune script deletes exactly the files the selection names, for crafted folders", { skip }, () => {
    const cases: { dir: string; files: string[]; expected: string[] }[] = [];
    for (let seed = 1; seed <= 6; seed++) {
        const dir = path.join(ops!.root, "backups", `case${seed}`);
        fs.mkdirSync(dir, { recursive: true });
        const files = [...crafted(seed), ...(seed === 1 ? nightly("app1_db", "2026-11-25", 60) : [])];
        const extras = ["notes.txt", "app1_db_20260101T000000Z.dump.partial", "app1_db_20260101T000000Z.pre-restore", "app1_db_20261399T000000Z.dump"];
        for (const f of [...files, ...extras]) fs.writeFileSync(path.join(dir, f), f);
        cases.push({ dir, files: [...files, ...extras], expected: selectForDeletion([...files, ...extras], { keepDaily: 7, keepWeekly: 4 }) });
    }
    const dry = sh(path.join(ops!.root, "bin/prune-backups"), ["--dry-run"], { env: ops!.env });
    assert.equal(dry.code, 0, dry.stderr);
    for (const c of cases) assert.equal(fs.readdirSync(c.dir).length, c.files.length, "a dry run deletes nothing");

    const t0 = Date.now();
    const run = sh(path.join(ops!.root, "bin/prune-backups"), [], { env: ops!.env });
    const ms = Date.now() - t0;
    assert.equal(run.code, 0, run.stderr);
    for (const c of cases) {
        const left = fs.readdirSync(c.dir).sort();
        assert.deepEqual(left, c.files.filter((f) => !c.expected.includes(f)).sort(), c.dir);
        assert.ok(left.includes("notes.txt") && left.includes("app1_db_20261399T000000Z.dump"));
        assert.equal(run.stdout.split("\n").filter((l) => l.startsWith(`removed ${c.dir}/`)).length, c.expected.length);
    }
    console.log(JSON.stringify({ figure: "prune-script", folders: cases.length, files: cases.reduce((n, c) => n + c.files.length, 0), ms }));
});
