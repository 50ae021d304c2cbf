// The backup, restore and maintenance commands run as the superuser on the server; an app does its
// worst against them with what any app role may do in its own database (a CHECK calling its own
// function, an aggregate shadowing count(*) through its database's search_path, an expression
// index, a CAST on its row type). The production scripts run against a real PostgreSQL 15
// container provisioned with the platform's SQL; nothing the app wrote may run as the superuser.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { appDatabaseSql, ROLE_PASSWORD_ENV, sharedDatabaseSql } from "../../render/database-sql";
import { needsImages, opsRoot, POSTGRES_IMAGE, psql, removeContainers, sh, startPostgres } from "../support/ops";

const PG = "opstest-su-restore-postgres";
const APPS = ["app1", "app2", "app3"];
const skip = needsImages(POSTGRES_IMAGE);
const ops = skip ? undefined : opsRoot();
const env = () => ({ ...ops!.env, PLATFORM_POSTGRES_CONTAINER: PG });
const bin = (name: string, ...args: string[]) => sh(path.join(ops!.root, "bin", name), args, { env: env(), timeout: 300_000 });

/** SQL as the app's own role, in its own database unless told. */
function asApp(app: string, sql: string, db = `${app}_db`) {
    const r = sh("docker", ["exec", "-i", PG, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-U", app, "-d", db], { input: sql });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
}
const isSuperuser = (role: string) => psql(PG, "postgres", `SELECT rolsuper FROM pg_roles WHERE rolname = '${role}';`).trim();
/**
 * A function body that tries to make ROLE a superuser and keeps quiet when refused: directly, and
 * where that is refused (a read-only transaction refuses ALTER ROLE, not a superuser's COPY TO
 * PROGRAM) through a psql in the server's container, over its trusted local socket, as postgres.
 */
const escalate = (role: string) => `BEGIN EXECUTE 'ALTER ROLE ${role} SUPERUSER';
    EXCEPTION WHEN others THEN
      BEGIN EXECUTE $c$COPY (SELECT 1) TO PROGRAM 'timeout 20 psql -X -q -U postgres -d postgres -c "ALTER ROLE ${role} SUPERUSER"'$c$; EXCEPTION WHEN others THEN NULL; END;
    END;`;

const SPY = `CREATE TABLE seen (session_role text, current_role_ text);
    CREATE FUNCTION public.spy(int) RETURNS boolean LANGUAGE plpgsql AS $f$
    BEGIN
      BEGIN RESET ROLE; EXCEPTION WHEN others THEN NULL; END;
      INSERT INTO public.seen VALUES (session_user, current_user);
      ${escalate("app1")}
      RETURN true;
    END $f$;
    CREATE TABLE guarded (a int CHECK (public.spy(a)));
    INSERT INTO guarded VALUES (1), (2);`;

let backup: ReturnType<typeof sh>;
before(() => {
    if (skip) return;
    startPostgres(PG);
    for (const app of APPS) psql(PG, "postgres", appDatabaseSql(app), { [ROLE_PASSWORD_ENV]: `pw-${app}` });
    psql(PG, "postgres", sharedDatabaseSql(["app1"], APPS));
    // app1: a CHECK calling its function, run for every row a restore loads, in its database and
    // in shared_db (the superuser's, granted to app1). It leaves any role it was given (RESET
    // ROLE: a superuser session with --role would let it), records who it runs as, and tries to
    // become a superuser.
    for (const db of ["app1_db", "shared_db"]) asApp("app1", SPY, db);
    // app2: its database's search_path puts its schema first, where count(*) is its own aggregate:
    // any later session there that calls count(*) unqualified runs it.
    asApp("app2", `CREATE TABLE t (a int); INSERT INTO t VALUES (1);
        CREATE FUNCTION public.step(bigint) RETURNS bigint LANGUAGE plpgsql AS $f$ BEGIN ${escalate("app2")} RETURN $1 + 1; END $f$;
        CREATE AGGREGATE public.count(*) (sfunc = public.step, stype = bigint, initcond = 0);
        ALTER DATABASE app2_db SET search_path = public, pg_catalog;`);
    // app3: an expression index, a CAST on its row type, and the search_path trick, against the
    // nightly dump and the monthly VACUUM ANALYZE (both as the superuser).
    // An IMMUTABLE function may not run ALTER ROLE itself (PostgreSQL refuses it in a non-volatile
    // function, and escalate() keeps quiet): it calls a VOLATILE one that does.
    asApp("app3", `CREATE FUNCTION public.key_helper() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN ${escalate("app3")} END $f$;
        CREATE FUNCTION public.key(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN PERFORM public.key_helper(); RETURN $1; END $f$;
        CREATE TABLE t (a int); INSERT INTO t SELECT g FROM generate_series(1, 100) g;
        CREATE INDEX t_key ON t (public.key(a));
        CREATE FUNCTION public.as_text(t) RETURNS text LANGUAGE plpgsql AS $f$ BEGIN ${escalate("app3")} RETURN 'x'; END $f$;
        CREATE CAST (t AS text) WITH FUNCTION public.as_text(t);
        CREATE FUNCTION public.count_step(bigint) RETURNS bigint LANGUAGE plpgsql AS $f$ BEGIN ${escalate("app3")} RETURN $1 + 1; END $f$;
        CREATE AGGREGATE public.count(*) (sfunc = public.count_step, stype = bigint, initcond = 0);
        ALTER DATABASE app3_db SET search_path = public, pg_catalog;`);
    backup = bin("run-job", "backup");
});

after(() => {
    removeContainers(PG);
    ops?.cleanup();
});

test("the nightly dump and the monthly VACUUM ANALYZE run nothing of the app's as the superuser", { skip }, () => {
    assert.equal(backup.code, 0, backup.stderr);
    const maintenance = bin("run-job", "maintenance");
    assert.equal(maintenance.code, 0, maintenance.stderr);
    for (const app of APPS) assert.equal(isSuperuser(app), "f", `${app} became a superuser`);
});

test("restore loads an app's rows as the app's own role: a CHECK calling its function never runs as the superuser", { skip }, () => {
    const r = bin("restore", "--replace", "app1_db");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(isSuperuser("app1"), "f", "app1 became a superuser");
    assert.equal(asApp("app1", "SELECT count(*) FROM guarded"), "2");
    // Two rows from before the dump, two the restore's CHECK wrote: every one app1's.
    assert.equal(asApp("app1", "SELECT string_agg(session_role || '/' || current_role_, ' ' ORDER BY 1) FROM seen"), "app1/app1 app1/app1 app1/app1 app1/app1");
    assert.equal(psql(PG, "postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app1_db';").trim(), "app1", "the database is the app's again");
});

test("restore of shared_db, the superuser's database, loads each table's rows as the table's owner", { skip }, () => {
    const r = bin("restore", "--replace", "shared_db");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(isSuperuser("app1"), "f", "app1 became a superuser");
    assert.equal(asApp("app1", "SELECT count(*) FROM guarded", "shared_db"), "2");
    assert.equal(asApp("app1", "SELECT string_agg(session_role || '/' || current_role_, ' ' ORDER BY 1) FROM seen", "shared_db"), "app1/app1 app1/app1 app1/app1 app1/app1");
    assert.equal(psql(PG, "shared_db", "SELECT string_agg(tablename || ':' || tableowner, ',' ORDER BY 1) FROM pg_tables WHERE schemaname = 'public';").trim(), "guarded:app1,seen:app1");
    assert.equal(psql(PG, "postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shared_db';").trim(), "postgres");
});

test("after a restore, nothing the superuser runs in the database calls the app's count(*) through its search_path", { skip }, () => {
    const r = bin("restore", "--replace", "app2_db");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(isSuperuser("app2"), "f", "app2 became a superuser");
    assert.match(r.stdout, /restored app2_db from .* \(1 tables\)/);
    // The app's own setting came back with its database.
    assert.equal(psql(PG, "postgres", "SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = 'app2_db');").trim(), "search_path=public, pg_catalog");
});

test("control: the trap makes its role a superuser when the superuser calls it, even in a read-only session (the COPY TO PROGRAM route)", { skip }, () => {
    psql(PG, "postgres", `CREATE ROLE trap_control NOLOGIN;
        CREATE FUNCTION public.trap_control() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN ${escalate("trap_control")} END $f$;`);
    assert.equal(isSuperuser("trap_control"), "f");
    psql(PG, "postgres", "BEGIN READ ONLY; SELECT public.trap_control(); COMMIT;");
    assert.equal(isSuperuser("trap_control"), "t", "the trap fired: a test that finds no superuser after the backup means the backup ran none of it");
});
