// shared_db is the superuser's database, and granted apps create objects in it: what the platform's
// restore and migrate-database do with those objects must never hand an app the powers of the role
// that restores them. An app's SECURITY DEFINER function or view restored as the superuser's own
// (pg_restore --no-owner) runs with the superuser's rights whenever the app calls it; a foreign key
// whose check casts through the app's own IMPLICIT cast runs the app's function when the superuser
// adds it. Real PostgreSQL 15 containers provisioned with the platform's SQL, the scripts the
// server runs.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { migrateDatabaseScript } from "../../render/migrate/migrate";
import { appDatabaseSql, ROLE_PASSWORD_ENV, sharedDatabaseSql } from "../../render/database-sql";
import { script } from "../../render/shell";
import { needsImages, opsRoot, POSTGRES_IMAGE, psql, removeContainers, sh, startPostgres } from "../support/ops";

const SOURCE = "opstest-shared-owners-container";
const TARGET = "opstest-shared-owners-managed";
const SUPERUSER_PASSWORD = "opstest-superuser"; // startPostgres's
const APPS = ["app1", "app2"];
const skip = needsImages(POSTGRES_IMAGE);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "opstest-shared-owners-"));
const ops = skip ? undefined : opsRoot();

function asApp(container: string, app: string, sql: string, db = "shared_db") {
    return sh("docker", ["exec", "-i", container, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-U", app, "-d", db], { input: sql });
}
const mustApp = (container: string, app: string, sql: string, db?: string) => {
    const r = asApp(container, app, sql, db);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
};
const isSuperuser = (container: string, role: string) => psql(container, "postgres", `SELECT rolsuper FROM pg_roles WHERE rolname = '${role}';`).trim();
/** Tries to make ROLE a superuser, quiet when refused. */
const escalate = (role: string) => `BEGIN EXECUTE 'ALTER ROLE ${role} SUPERUSER'; EXCEPTION WHEN others THEN NULL; END;`;

/**
 * What a granted app may create in shared_db to get the rights of whoever restores it: a SECURITY
 * DEFINER function and a view over pg_authid (harmless while the app owns them), and a foreign key
 * whose initial check casts the app's row type to text through its own IMPLICIT cast, and an
 * expression index on its function (built as the table's owner).
 */
const traps = (role: string) => `
    CREATE FUNCTION public.elevate() RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $f$ BEGIN ${escalate(role)} END $f$;
    CREATE VIEW public.hashes AS SELECT rolname, rolpassword FROM pg_catalog.pg_authid;
    CREATE TYPE public.tag AS (v int);
    CREATE FUNCTION public.tag_text(public.tag) RETURNS text LANGUAGE plpgsql AS $f$ BEGIN ${escalate(role)} RETURN ($1).v::text; END $f$;
    CREATE CAST (public.tag AS text) WITH FUNCTION public.tag_text(public.tag) AS IMPLICIT;
    CREATE TABLE public.names (n text PRIMARY KEY);
    INSERT INTO public.names VALUES ('1');
    CREATE TABLE public.refs (t public.tag REFERENCES public.names (n));
    INSERT INTO public.refs VALUES (ROW(1));
    -- An IMMUTABLE function may not run ALTER ROLE itself; a VOLATILE one it calls may.
    CREATE FUNCTION public.key_helper() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN ${escalate(role)} END $f$;
    CREATE FUNCTION public.key_fn(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN PERFORM public.key_helper(); RETURN $1; END $f$;
    CREATE TABLE public.indexed (a int);
    INSERT INTO public.indexed VALUES (1);
    CREATE INDEX ON public.indexed (public.key_fn(a));`;

/** After the platform's step, the app tries every trap it laid; none may make it a superuser or show it a password hash. */
function springTraps(container: string, role: string) {
    assert.equal(isSuperuser(container, role), "f", `${role} became a superuser during the restore`);
    asApp(container, role, "SELECT public.elevate();");
    assert.equal(isSuperuser(container, role), "f", `${role} became a superuser through its SECURITY DEFINER function, restored as another role's`);
    const hashes = asApp(container, role, "SELECT count(*) FROM public.hashes WHERE rolpassword IS NOT NULL;");
    assert.notEqual(hashes.code, 0, `${role} read ${hashes.stdout.trim()} password hashes through its view, restored as another role's`);
}

function migrate(command: string) {
    const t = { root: work, postgresContainer: SOURCE, nginxContainer: "unused" };
    const text = script(migrateDatabaseScript(t, { image: POSTGRES_IMAGE, apps: APPS, sharedDb: true, sharedDbGrants: APPS }));
    const logins = path.join(work, "logins");
    const admin = ["postgres", "shared_db"].map((db) => `${db} postgres ${SUPERUSER_PASSWORD}`);
    fs.writeFileSync(logins, [...APPS.map((a) => `${a}_db ${a} pw-${a}`), ...admin].join("\n") + "\n", { mode: 0o600 });
    const r = spawnSync("bash", ["-c", text, "migrate-database", command], {
        encoding: "utf8",
        cwd: work,
        env: { ...process.env, PLATFORM_MIGRATE_TARGET: `docker exec -i -e PGHOST=127.0.0.1 -e PGUSER -e PGPASSWORD -e PGTZ -e PGDATESTYLE ${TARGET}`, PLATFORM_MIGRATE_LOGINS: logins },
        timeout: 300_000,
    });
    return { code: r.status, stderr: r.stderr };
}

before(() => {
    if (skip) return;
    for (const c of [SOURCE, TARGET]) {
        startPostgres(c);
        for (const app of APPS) psql(c, "postgres", appDatabaseSql(app), { [ROLE_PASSWORD_ENV]: `pw-${app}` });
        psql(c, "postgres", sharedDatabaseSql(APPS, APPS));
    }
});

after(() => {
    removeContainers(SOURCE, TARGET);
    fs.rmSync(work, { recursive: true, force: true });
    ops?.cleanup();
});

test("restore of shared_db gives nothing of a granted app the superuser's rights", { skip }, () => {
    mustApp(SOURCE, "app1", traps("app1"));
    // The traps are live: the cast's and the index's functions, run by the superuser, raise the app.
    for (const call of ["SELECT public.tag_text(ROW(1)::public.tag)", "SELECT public.key_fn(1)"]) {
        psql(SOURCE, "shared_db", `${call};`);
        assert.equal(isSuperuser(SOURCE, "app1"), "t", `${call} as the superuser did not raise app1: the trap is dead`);
        psql(SOURCE, "postgres", "ALTER ROLE app1 NOSUPERUSER;");
    }
    const env = { ...ops!.env, PLATFORM_POSTGRES_CONTAINER: SOURCE };
    const backup = sh(path.join(ops!.root, "bin", "run-job"), ["backup"], { env, timeout: 300_000 });
    assert.equal(backup.code, 0, backup.stderr);
    const r = sh(path.join(ops!.root, "bin", "restore"), ["--replace", "shared_db"], { env, timeout: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(mustApp(SOURCE, "app1", "SELECT count(*) FROM public.refs"), "1", "the rows came back");
    springTraps(SOURCE, "app1");
});

// Not fixed: the copy restores shared_db on the instance as its admin (--no-owner), so every object
// an app made there is the admin's. Here the stand-in's admin is a superuser and app2 becomes one;
// Scaleway's admin is not a superuser, but its rights (CREATEROLE: other apps' passwords) are then
// the app's. Restoring as a granted app's login instead depends on what Scaleway's `all` privilege
// and its admin may do on shared_db, which this machine cannot try (docs/runbooks/move-to-the-managed-database.md).
const COPY_TODO = "the copy makes shared_db's objects the instance admin's (not fixed: Scaleway's privileges cannot be tried here)";
test("migrate-database copy: shared_db's objects on the instance give a granted app nothing of the admin's", { skip, todo: skip ? undefined : COPY_TODO }, () => {
    mustApp(SOURCE, "app2", traps("app2").replace(/public\.(elevate|hashes|tag_text|tag|names|refs|key_helper|key_fn|indexed)\b/g, "public.$1_2"));
    const copy = migrate("copy");
    assert.equal(copy.code, 0, copy.stderr);
    assert.equal(mustApp(TARGET, "app2", "SELECT count(*) FROM public.refs_2"), "1", "the rows were copied");
    assert.equal(isSuperuser(TARGET, "app2"), "f", "app2 became a superuser during the copy");
    asApp(TARGET, "app2", "SELECT public.elevate_2();");
    assert.equal(isSuperuser(TARGET, "app2"), "f", "app2 became a superuser through its SECURITY DEFINER function, restored as the admin's");
    assert.notEqual(asApp(TARGET, "app2", "SELECT count(*) FROM public.hashes_2 WHERE rolpassword IS NOT NULL;").code, 0, "app2 read password hashes through its view, restored as the admin's");
});

test("migrate-database back: shared_db's objects from the instance give a granted app nothing of the superuser's", { skip }, () => {
    mustApp(TARGET, "app1", traps("app1").replace(/public\.(elevate|hashes|tag_text|tag|names|refs|key_helper|key_fn|indexed)\b/g, "public.$1_3"));
    const back = migrate("back");
    assert.equal(back.code, 0, back.stderr);
    assert.equal(mustApp(SOURCE, "app1", "SELECT count(*) FROM public.refs_3"), "1", "the rows came back");
    assert.equal(isSuperuser(SOURCE, "app1"), "f", "app1 became a superuser during the way back");
    asApp(SOURCE, "app1", "SELECT public.elevate_3();");
    assert.equal(isSuperuser(SOURCE, "app1"), "f", "app1 became a superuser through its SECURITY DEFINER function, restored as the superuser's");
    assert.notEqual(asApp(SOURCE, "app1", "SELECT count(*) FROM public.hashes_3 WHERE rolpassword IS NOT NULL;").code, 0, "app1 read password hashes through its view, restored as the superuser's");
});
