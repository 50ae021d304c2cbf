// migrate-database runs as the superuser on the container; here an app does its worst against it
// with what any app role may do in its own database (name tables, define casts and functions, set
// its database's search_path), and the very script the server runs (rendered for the container
// mhylle-postgres stands for, its own `docker exec` words) must not run any of it as the
// superuser, must compare every table, and its write freeze must hold against the app's role.
// Both sides are real PostgreSQL 15 containers provisioned with the platform's own SQL.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { migrateDatabaseScript } from "../../render/migrate/migrate";
import { appDatabaseSql, ROLE_PASSWORD_ENV, sharedDatabaseSql } from "../../render/database-sql";
import { script } from "../../render/shell";
import { needsImages, POSTGRES_IMAGE, psql, removeContainers, sh, startPostgres } from "../support/ops";

const SOURCE = "opstest-su-migrate-container";
const TARGET = "opstest-su-migrate-managed";
const SUPERUSER_PASSWORD = "opstest-superuser"; // startPostgres's
const APPS = ["app1", "app2", "app3", "app4", "app5", "app6", "app7"];
const skip = needsImages(POSTGRES_IMAGE);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "opstest-su-migrate-"));

/** SQL as the app's own role in its own database (the local socket trusts it, as in the image). */
function asApp(container: string, app: string, sql: string, db = `${app}_db`) {
    return sh("docker", ["exec", "-i", container, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-U", app, "-d", db], { input: sql });
}
const mustApp = (container: string, app: string, sql: string, db?: string) => {
    const r = asApp(container, app, sql, db);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
};
const isSuperuser = (container: string, role: string) => psql(container, "postgres", `SELECT rolsuper FROM pg_roles WHERE rolname = '${role}';`).trim();

/** migrate-database as rendered for the server, for these apps (and shared_db granted to them); the instance reached by `docker exec`. */
function migrate(apps: string[], command: string, sharedDb = false) {
    const t = { root: work, postgresContainer: SOURCE, nginxContainer: "unused" };
    const text = script(migrateDatabaseScript(t, { image: POSTGRES_IMAGE, apps, sharedDb, sharedDbGrants: sharedDb ? apps : [] }));
    const logins = path.join(work, "logins");
    const admin = ["postgres", ...(sharedDb ? ["shared_db"] : [])].map((db) => `${db} postgres ${SUPERUSER_PASSWORD}`);
    fs.writeFileSync(logins, [...apps.map((a) => `${a}_db ${a} pw-${a}`), ...admin].join("\n") + "\n", { mode: 0o600 });
    const r = spawnSync("bash", ["-c", text, "migrate-database", command], {
        encoding: "utf8",
        cwd: work,
        env: { ...process.env, PLATFORM_MIGRATE_TARGET: `docker exec -i -e PGHOST=127.0.0.1 -e PGUSER -e PGPASSWORD -e PGTZ -e PGDATESTYLE ${TARGET}`, PLATFORM_MIGRATE_LOGINS: logins },
        timeout: 300_000,
    });
    const json = r.stdout.trim().split("\n").pop() ?? "";
    return { code: r.status, stderr: r.stderr, result: json.startsWith("{") ? JSON.parse(json) : undefined };
}

before(() => {
    if (skip) return;
    for (const c of [SOURCE, TARGET]) {
        startPostgres(c);
        for (const app of APPS) psql(c, "postgres", appDatabaseSql(app), { [ROLE_PASSWORD_ENV]: `pw-${app}` });
        psql(c, "postgres", sharedDatabaseSql(["app7"], APPS));
    }
});

after(() => {
    removeContainers(SOURCE, TARGET);
    fs.rmSync(work, { recursive: true, force: true });
});

test("a table named as SQL is never run as SQL: the app's role stays what it was and every table is counted once", { skip }, () => {
    // Words without spaces survive a shell's word splitting as one: this one, appended to "FROM",
    // reads table x and then makes app1 a superuser.
    mustApp(SOURCE, "app1", `CREATE TABLE x (a int);
        CREATE TABLE "x x;ALTER/**/ROLE/**/app1/**/SUPERUSER;--" (a int);
        CREATE TABLE "x; ALTER ROLE app1 SUPERUSER; --" (a int);
        INSERT INTO "x; ALTER ROLE app1 SUPERUSER; --" VALUES (1), (2);`);
    const v = migrate(["app1"], "verify");
    assert.equal(isSuperuser(SOURCE, "app1"), "f", `app1 became a superuser: ${v.stderr}`);
    assert.deepEqual(v.result?.databases.map((d: any) => [d.database, d.tables, d.rows]), [["app1_db", 3, 2]], v.stderr);
});

test("a CAST the app defines on its row type never runs as the superuser", { skip }, () => {
    mustApp(SOURCE, "app2", `CREATE TABLE t (a int); INSERT INTO t VALUES (1);
        CREATE FUNCTION public.as_text(t) RETURNS text LANGUAGE plpgsql AS $f$
        BEGIN BEGIN EXECUTE 'ALTER ROLE app2 SUPERUSER'; EXCEPTION WHEN others THEN NULL; END; RETURN 'x'; END $f$;
        CREATE CAST (t AS text) WITH FUNCTION public.as_text(t);`);
    const v = migrate(["app2"], "verify");
    assert.equal(isSuperuser(SOURCE, "app2"), "f", `app2 became a superuser: ${v.stderr}`);
    assert.equal(v.result?.databases[0].rows, 1, v.stderr);
});

test("the app's database search_path does not put its functions before pg_catalog's", { skip }, () => {
    // The database's owner may set its search_path: every later session there, the superuser's
    // included, would call public.md5 instead of pg_catalog's.
    mustApp(SOURCE, "app3", `CREATE TABLE t (a int); INSERT INTO t VALUES (1);
        CREATE FUNCTION public.escalate() RETURNS void LANGUAGE plpgsql AS $f$
        BEGIN BEGIN EXECUTE 'ALTER ROLE app3 SUPERUSER'; EXCEPTION WHEN others THEN NULL; END; END $f$;
        CREATE FUNCTION public.md5(text) RETURNS text LANGUAGE plpgsql AS $f$ BEGIN PERFORM public.escalate(); RETURN pg_catalog.md5($1); END $f$;
        ALTER DATABASE app3_db SET search_path = public, pg_catalog;`);
    const v = migrate(["app3"], "verify");
    assert.equal(isSuperuser(SOURCE, "app3"), "f", `app3 became a superuser: ${v.stderr}`);
});

test("verify compares a table whose name has a space: 900 rows against 3 is a difference, and the command fails", { skip }, () => {
    mustApp(SOURCE, "app4", `CREATE TABLE "big table" (n int); INSERT INTO "big table" SELECT g FROM generate_series(1, 900) g;`);
    mustApp(TARGET, "app4", `CREATE TABLE "big table" (n int); INSERT INTO "big table" VALUES (1), (2), (3);`);
    const v = migrate(["app4"], "verify");
    assert.notEqual(v.code, 0, "verify exited 0");
    assert.deepEqual(v.result?.databases.map((d: any) => [d.database, d.rows, d.identical]), [["app4_db", 900, false]], v.stderr);
    assert.match(v.stderr, /app4_db differs/);
});

test("the way back restores the instance's data into the container as the app's own role: its functions never run as the superuser", { skip }, () => {
    // A CHECK calling the app's function runs for every row the restore loads. It tries to leave
    // any role it was given (RESET ROLE: a superuser session with --role would let it), records
    // who it runs as, and tries to make app5 a superuser.
    mustApp(TARGET, "app5", `CREATE TABLE seen (session_role text, current_role_ text);
        CREATE FUNCTION public.spy(int) RETURNS boolean LANGUAGE plpgsql AS $f$
        BEGIN
          BEGIN RESET ROLE; EXCEPTION WHEN others THEN NULL; END;
          INSERT INTO public.seen VALUES (session_user, current_user);
          BEGIN EXECUTE 'ALTER ROLE app5 SUPERUSER'; EXCEPTION WHEN others THEN NULL; END;
          RETURN true;
        END $f$;
        CREATE TABLE guarded (a int CHECK (public.spy(a)));
        INSERT INTO guarded VALUES (1), (2);`);
    const back = migrate(["app5"], "back");
    assert.equal(isSuperuser(SOURCE, "app5"), "f", `app5 became a superuser: ${back.stderr}`);
    assert.equal(mustApp(SOURCE, "app5", "SELECT count(*) FROM guarded"), "2", back.stderr);
    // The two rows the app wrote on the instance, then two the restore's CHECK wrote: all app5's.
    assert.equal(mustApp(SOURCE, "app5", "SELECT string_agg(session_role || '/' || current_role_, ' ' ORDER BY 1) FROM seen"), "app5/app5 app5/app5 app5/app5 app5/app5");
});

test("the way back loads shared_db's rows (the superuser's database) as a granted app's login, foreign keys and all", { skip }, () => {
    // In the container, the tables as they were before the switch (the restore must drop them).
    const tables = "CREATE TABLE parent (id int PRIMARY KEY); CREATE TABLE child (p int REFERENCES parent);";
    mustApp(SOURCE, "app7", tables, "shared_db");
    mustApp(TARGET, "app7", `${tables} INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1);
        CREATE TABLE seen (session_role text, current_role_ text);
        CREATE FUNCTION public.spy(int) RETURNS boolean LANGUAGE plpgsql AS $f$
        BEGIN
          BEGIN RESET ROLE; EXCEPTION WHEN others THEN NULL; END;
          INSERT INTO public.seen VALUES (session_user, current_user);
          BEGIN EXECUTE 'ALTER ROLE app7 SUPERUSER'; EXCEPTION WHEN others THEN NULL; END;
          RETURN true;
        END $f$;
        CREATE TABLE guarded (a int CHECK (public.spy(a)));
        INSERT INTO guarded VALUES (1), (2);`, "shared_db");
    const back = migrate(["app7"], "back", true);
    assert.equal(isSuperuser(SOURCE, "app7"), "f", `app7 became a superuser: ${back.stderr}`);
    assert.equal(mustApp(SOURCE, "app7", "SELECT count(*) FROM guarded", "shared_db"), "2", back.stderr);
    assert.equal(mustApp(SOURCE, "app7", "SELECT string_agg(session_role || '/' || current_role_, ' ' ORDER BY 1) FROM seen", "shared_db"), "app7/app7 app7/app7 app7/app7 app7/app7");
    assert.equal(mustApp(SOURCE, "app7", "SELECT count(*) FROM child JOIN parent ON parent.id = child.p", "shared_db"), "1");
    assert.equal(psql(SOURCE, "shared_db", "SELECT count(*) FROM pg_constraint WHERE contype = 'f';").trim(), "1", "the foreign key is back");
});

test("the write freeze is a lock: the app's role cannot lift it, reads go on, and unfreeze lifts it", { skip }, () => {
    mustApp(SOURCE, "app6", "CREATE TABLE t (a int); INSERT INTO t VALUES (1);");
    const copy = migrate(["app6"], "copy");
    assert.equal(copy.code, 0, copy.stderr);
    // Everything the app's role may try, each in a session of its own, each ending in a write.
    const attempts = [
        "SET default_transaction_read_only = off; INSERT INTO t VALUES (2);",
        "BEGIN READ WRITE; INSERT INTO t VALUES (2); COMMIT;",
        "SET session_replication_role = replica; INSERT INTO t VALUES (2);",
        "ALTER TABLE t DISABLE TRIGGER ALL; INSERT INTO t VALUES (2);",
        "DROP TRIGGER platform_freeze ON t; INSERT INTO t VALUES (2);",
        "DROP SCHEMA platform_freeze CASCADE; INSERT INTO t VALUES (2);",
        "DROP EVENT TRIGGER platform_freeze; INSERT INTO t VALUES (2);",
        "CREATE TABLE t2 (a int); INSERT INTO t2 VALUES (2);",
        "TRUNCATE t;",
        "DELETE FROM t;",
        "UPDATE t SET a = 5;",
        // Large objects live outside every table.
        "SELECT lo_from_bytea(0, 'written during the freeze');",
        "SELECT lowrite(lo_open(lo_creat(-1), 131072), 'x');",
    ];
    for (const sql of attempts) {
        const r = asApp(SOURCE, "app6", sql);
        assert.notEqual(r.code, 0, `the app wrote through the freeze with: ${sql}`);
    }
    // Settings the role or its database carry apply to the next session: they must not help either.
    asApp(SOURCE, "app6", "ALTER ROLE app6 RESET ALL;");
    asApp(SOURCE, "app6", "ALTER DATABASE app6_db SET default_transaction_read_only = off;");
    assert.notEqual(asApp(SOURCE, "app6", "INSERT INTO t VALUES (2);").code, 0, "a new session wrote through the freeze");
    assert.equal(mustApp(SOURCE, "app6", "SELECT count(*) FROM t"), "1", "reads go on, and nothing was written");
    assert.equal(migrate(["app6"], "verify").code, 0, "the copy is still identical to the frozen container");
    const unfreeze = migrate(["app6"], "unfreeze");
    assert.equal(unfreeze.code, 0, unfreeze.stderr);
    assert.equal(mustApp(SOURCE, "app6", "INSERT INTO t VALUES (2) RETURNING a"), "2");
    assert.match(mustApp(SOURCE, "app6", "SELECT lo_from_bytea(0, 'after the freeze')"), /^\d+$/, "large objects are written again");
});
