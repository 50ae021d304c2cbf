// The nightly dumps' restore drill (dump-drill, the only drill in managed database mode), on real
// PostgreSQL 15: the production backup job dumps while an app writes and records every table's row
// count in the dump's own snapshot; the drill restores the newest dumps into a throwaway server
// with no network, as an unprivileged role, and holds them to those counts. A good dump is green
// with RTO and RPO; a truncated dump, or one missing a table's rows, is red and alerts.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { appDatabaseSql, ROLE_PASSWORD_ENV } from "../../../render/database-sql";
import { databaseName, roleName } from "../../../config/naming";
import { needsImages, opsRoot, psql, removeContainers, sh, startPostgres, POSTGRES_IMAGE } from "../../support/ops";
import { judgeWith } from "../../support/drill-alerts";
import { DUMP_DRILL_RESULT } from "../../../render/backup/dump-drill";
import { alertSecretsFile, installAlertSecretsScript } from "../../../render/monitoring/alert-secrets";

const PG = "drillk-pg";
const SCRATCH = "drillk-scratch";
const skip = needsImages(POSTGRES_IMAGE);
const ops = skip ? undefined : opsRoot({ monitoring: { alerts: { webhook: { enabled: true } } } });
const env = () => ({ ...ops!.env, PLATFORM_POSTGRES_CONTAINER: PG, PLATFORM_DRILL_SCRATCH: SCRATCH });

// A CHECK calling the app's function that refuses the superuser: a restore that loads rows as the
// superuser fails, so a green drill also proves no app code ran as it.
const DATA = (app: string) => `
SET ROLE ${roleName(app)};
CREATE FUNCTION not_super() RETURNS boolean LANGUAGE sql AS $$ SELECT NOT rolsuper FROM pg_roles WHERE rolname = current_user $$;
CREATE TABLE events (id bigserial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp(), CHECK (not_super()));
INSERT INTO events SELECT FROM generate_series(1, 2000);
CREATE TABLE notes (id serial PRIMARY KEY, body text);
INSERT INTO notes (body) SELECT md5(i::text) FROM generate_series(1, 500) i;
`;

const drill = () => sh(path.join(ops!.root, "bin/run-job"), ["dump-drill"], { env: env(), timeout: 300_000 });
const result = () => JSON.parse(fs.readFileSync(path.join(ops!.root, DUMP_DRILL_RESULT), "utf8"));
const newest = (db: string) => {
    const dir = path.join(ops!.root, "backups", db);
    return path.join(dir, fs.readdirSync(dir).filter((f) => f.endsWith(".dump")).sort().pop()!);
};
const log = () => fs.readFileSync(path.join(ops!.root, "logs/jobs/dump-drill.log"), "utf8");

/** The dump drill's check and new alerts, as the status job judges them (twice: alerts once). */
const judge = () => judgeWith(ops!.root, "check_dump_drill");

let backup: ReturnType<typeof sh>;
let written = 0;
before(async () => {
    if (skip) return;
    const installed = sh("bash", ["-c", installAlertSecretsScript(ops!.root)], { input: alertSecretsFile({ webhookUrl: "https://127.0.0.1:9/hook" }) });
    assert.equal(installed.code, 0, installed.stderr);
    startPostgres(PG);
    for (const app of ["app1", "app2"]) {
        psql(PG, "postgres", appDatabaseSql(app), { [ROLE_PASSWORD_ENV]: `pw-${app}` });
        psql(PG, databaseName(app), DATA(app));
    }
    // app1 keeps writing, one commit every 20 ms, while the backup job dumps it.
    const writer = spawn("docker", ["exec", PG, "psql", "-X", "-q", "-U", roleName("app1"), "-d", databaseName("app1"), "-c",
        "DO $$ BEGIN FOR i IN 1..400 LOOP INSERT INTO events DEFAULT VALUES; COMMIT; PERFORM pg_sleep(0.02); END LOOP; END $$"], { stdio: "ignore" });
    const done = new Promise((resolve) => writer.on("exit", resolve));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    backup = sh(path.join(ops!.root, "bin/run-job"), ["backup"], { env: env() });
    await done;
    written = Number(psql(PG, databaseName("app1"), "SELECT count(*) FROM events").trim());
});

after(() => {
    removeContainers(PG, SCRATCH);
    ops?.cleanup();
});

test("the backup job writes each dump's row manifest, counted in the dump's snapshot", { skip }, () => {
    assert.equal(backup.code, 0, fs.readFileSync(path.join(ops!.root, "logs/jobs/backup.log"), "utf8"));
    const manifest = fs.readFileSync(`${newest("app2_db")}.rows`, "utf8");
    assert.match(manifest, /^# snapshot \d+\n/);
    assert.match(manifest, /^public\.events\t2000$/m);
    assert.match(manifest, /^public\.notes\t500$/m);
    const app1 = fs.readFileSync(`${newest("app1_db")}.rows`, "utf8");
    const dumped = Number(/^public\.events\t(\d+)$/m.exec(app1)![1]);
    assert.ok(dumped > 2000 && dumped < written, `app1 was being written while dumped (${dumped} of ${written} rows in the manifest)`);
});

test("a good dump's drill is green with RTO and RPO recorded, on the status page, and leaves no container", { skip }, () => {
    const r = drill();
    assert.equal(r.code, 0, log());
    const d = result();
    assert.equal(d.ok, true);
    assert.equal(d.kind, "dump");
    assert.deepEqual(d.errors, []);
    assert.ok(Number.isInteger(d.rtoSeconds) && d.rtoSeconds >= 0, `RTO ${d.rtoSeconds}`);
    assert.ok(Number.isInteger(d.rpoSeconds) && d.rpoSeconds >= 0, `RPO ${d.rpoSeconds}`);
    assert.ok(d.checks.some((c: string) => c.startsWith("app1_db: 2 tables")), d.checks.join("\n"));
    assert.ok(d.checks.some((c: string) => c.startsWith("app2_db: 2 tables, 2500 rows")), d.checks.join("\n"));
    assert.equal(sh("docker", ["inspect", SCRATCH]).code, 1, "the scratch server is removed");
    const out = judge();
    assert.deepEqual(out.checks.map((c: any) => [c.name, c.status]), [["dump restore drill", "ok"]]);
    assert.match(out.checks[0].summary, /^last verified restore: 0 h ago, RTO \d+ s, RPO \d+ s \(nightly dumps\)$/);
    assert.deepEqual(out.first, []);
});

/** Runs the drill with `file` replaced by `bad` bytes, then puts the good dump back. */
function drillWith(file: string, bad: (good: Buffer) => Buffer) {
    const good = fs.readFileSync(file);
    fs.writeFileSync(file, bad(good));
    try {
        return { run: drill(), d: result(), status: judge() };
    } finally {
        fs.writeFileSync(file, good);
    }
}

test("a truncated dump goes red and alerts once", { skip }, () => {
    const file = newest("app1_db");
    const { run, d, status } = drillWith(file, (good) => good.subarray(0, Math.floor(good.length / 2)));
    assert.notEqual(run.code, 0);
    assert.equal(d.ok, false);
    assert.ok(d.errors.some((e: string) => e.startsWith(`app1_db: ${path.basename(file)} does not restore`)), d.errors.join("\n"));
    assert.equal(status.checks[0].status, "fail");
    assert.match(status.checks[0].summary, /FAILED 0 h ago \(nightly dumps\): app1_db: /);
    assert.equal(status.first.length, 1);
    assert.match(status.first[0].title, /dump restore drill failed$/);
    assert.deepEqual(status.second, [], "not repeated on the next run");
});

test("a dump missing a table's rows goes red and alerts", { skip }, () => {
    const file = newest("app2_db");
    // The same database dumped without the rows of one table, under the newest dump's name.
    const { run, d, status } = drillWith(file, () =>
        execFileSync("docker", ["exec", PG, "pg_dump", "-U", "postgres", "--format=custom", "--exclude-table-data=public.notes", "-d", "app2_db"], { maxBuffer: 1 << 28 }),
    );
    assert.notEqual(run.code, 0);
    assert.equal(d.ok, false);
    assert.deepEqual(d.errors, ["app2_db: table public.notes has 0 rows restored, the source had 500 when dumped"]);
    assert.equal(status.checks[0].status, "fail");
    // The alert state is the root's: the truncated dump's alert is in it already.
    const mine = status.first.filter((a: any) => a.at >= d.at);
    assert.equal(mine.length, 1, JSON.stringify(status.first));
    assert.match(mine[0].title, /dump restore drill failed$/);
});
