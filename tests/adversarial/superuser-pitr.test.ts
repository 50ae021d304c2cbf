// Point-in-time recovery's commands run as the superuser on the server; an app does its worst
// against them with what any app role may do in its own database: table names that smuggle SQL
// through a newline, a quote_ident(name) and a count(*) aggregate of its own (with its database's
// search_path putting public first), a CHECK calling its own function. The production scripts
// (restore-drill.sh, restore-database) run against PostgreSQL 15 with pgBackRest (tests/support/pitr.ts);
// nothing the app wrote may run as the superuser, on the live cluster or in the drill's copy.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { exec } from "../support/containers";
import { needsPitr, startLab, type PitrLab } from "../support/pitr";
import { DRILL_RESULT } from "../../render/backup/pitr-jobs";

const skip = needsPitr();
let lab: PitrLab;
/** Mounted at /e in the drill's throwaway containers: the copy leaves its evidence here. */
let evidence: string;

async function asApp1(sql: string): Promise<string> {
    const r = await exec("docker", ["exec", "-i", lab.pg, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-U", "app1", "-d", "app1_db"], { input: sql });
    if (r.code !== 0) throw new Error(r.stderr.trim());
    return r.stdout.trim();
}
const isSuperuser = () => lab.psql("postgres", "SELECT rolsuper FROM pg_roles WHERE rolname = 'app1';");
/** A statement run by whoever calls it; quiet when refused (app1 running it as itself). */
const attempt = (sql: string) => `BEGIN EXECUTE ${sql}; EXCEPTION WHEN others THEN NULL; END;`;
const ESCALATE = attempt(`'ALTER ROLE app1 SUPERUSER'`);
const WRITE_EVIDENCE = (name: string) => attempt(`'COPY (SELECT current_user) TO ''/e/${name}'''`);

/** Names of up to 63 bytes: the newline ends the drill's old `for t in $live_tables` word. */
const SMUGGLED = ["x\nb;ALTER/**/ROLE/**/app1/**/SUPERUSER;--", "y\nb;COPY/**/b/**/TO/**/'/e/newline';--"];

before(async () => {
    if (skip) return;
    evidence = fs.mkdtempSync(path.join(os.tmpdir(), "supitr-evidence-"));
    fs.chmodSync(evidence, 0o777);
    lab = await startLab(`supitr-${process.pid}`, 5);
    lab.env.PLATFORM_PITR_DOCKER_ARGS = `${lab.env.PLATFORM_PITR_DOCKER_ARGS} -v ${evidence}:/e`;
    await lab.startPostgres();
    await lab.psql("postgres", "CREATE ROLE app1 LOGIN; CREATE DATABASE app1_db OWNER app1; REVOKE ALL ON DATABASE app1_db FROM PUBLIC;");
    await asApp1(`
        CREATE TABLE b (id int); INSERT INTO b VALUES (1), (2), (3);
        ${SMUGGLED.map((n) => `CREATE TABLE "${n}" (id int); INSERT INTO "${n}" VALUES (1);`).join("\n")}
        CREATE FUNCTION public.quote_ident(name) RETURNS text LANGUAGE plpgsql AS $f$
        BEGIN ${ESCALATE} RETURN pg_catalog.quote_ident($1::text); END $f$;
        CREATE FUNCTION public.tally(bigint) RETURNS bigint LANGUAGE plpgsql AS $f$
        BEGIN ${ESCALATE} ${WRITE_EVIDENCE("count")} RETURN $1 + 1; END $f$;
        CREATE AGGREGATE public.count(*) (SFUNC = public.tally, STYPE = bigint, INITCOND = '0');
        ALTER DATABASE app1_db SET search_path = public, pg_catalog;
        CREATE FUNCTION public.guard(int) RETURNS boolean LANGUAGE plpgsql AS $f$
        BEGIN ${ESCALATE} RETURN true; END $f$;
        CREATE TABLE guarded (v int CHECK (public.guard(v))); INSERT INTO guarded VALUES (1), (2);`);
    assert.equal(await isSuperuser(), "f");
    const full = await lab.bin("pitr-full.sh");
    assert.equal(full.code, 0, `pitr-full failed:\n${full.stderr}${full.stdout}`);
});

after(async () => {
    if (skip || !lab) return;
    await lab.stop();
    fs.rmSync(evidence, { recursive: true, force: true });
});

test("the nightly drill counts the app's tables without running its SQL, its quote_ident or its count as the superuser", { skip }, async () => {
    const drill = await lab.bin("restore-drill.sh", "--repo", "1");
    // app1 is no superuser on the live cluster, and nothing it wrote ran as the superuser in the copy.
    assert.deepEqual({ superuser: await isSuperuser(), evidence: fs.readdirSync(evidence).sort() }, { superuser: "f", evidence: [] });
    assert.equal(drill.code, 0, `drill failed:\n${drill.stderr}${drill.stdout}`);
    const result = JSON.parse(fs.readFileSync(path.join(lab.root, DRILL_RESULT), "utf8"));
    assert.deepEqual(result.errors, []);
    // Every table, the smuggling ones included, read in full: 3 + 1 + 1 + 2 rows.
    assert.ok(result.checks.includes("app1_db: 4 tables, 7 rows"), JSON.stringify(result.checks));
});

test("restore-database loads the app's rows as its owner: its CHECK never runs as the superuser", { skip }, async () => {
    await lab.psql("postgres", "ALTER ROLE app1 NOSUPERUSER;"); // whatever the drill's test left
    await new Promise((r) => setTimeout(r, 2000));
    const target = new Date(Date.now() - 500).toISOString().slice(0, 19).replace("T", " ");
    await new Promise((r) => setTimeout(r, 1500));
    await asApp1("INSERT INTO guarded VALUES (3);");
    // Everything committed so far reaches the archive (the target must be before an archived commit).
    const wal = await lab.psql("postgres", "SELECT pg_walfile_name(pg_current_wal_insert_lsn());");
    for (const deadline = Date.now() + 300_000; (await lab.psql("postgres", "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver;")) < wal; ) {
        assert.ok(Date.now() < deadline, `${wal} was not archived within 5 minutes`);
        await new Promise((r) => setTimeout(r, 500));
    }
    const r = await lab.bin("restore-database", "--app", "app1", "--at", target, "--repo", "1");
    assert.equal(await isSuperuser(), "f", `app1 is not a superuser after the restore:\n${r.stdout}`);
    assert.equal(r.code, 0, `restore-database failed:\n${r.stderr}${r.stdout}`);
    assert.equal(await asApp1("SELECT string_agg(v::text, ',' ORDER BY v) FROM guarded;"), "1,2", "the rows as of the target");
    assert.equal(await lab.psql("postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app1_db';"), "app1");
});
