// The move onto the managed database, on two real PostgreSQL 15 over TLS: one standing in for the
// platform's container (with its roles, databases and data as the platform made them), one for
// the managed instance (provisioned as the program provisions it). migrate-database copies with a
// write freeze and verifies every table; checksums taken here, independently, agree; the way back
// copies the instance's later writes back; a copy changed afterwards is caught.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { needs } from "../../support/requirements";
import { migrateDatabaseScript, migrateSql } from "../../../render/migrate/migrate";
import { appDatabaseSql, sharedDatabaseSql } from "../../../render/database-sql";
import { script } from "../../../render/shell";

const skip = needs("root", "psql", "openssl", "/usr/lib/postgresql/15/bin/initdb");
const STANDIN = path.resolve(__dirname, "../../../tools/e2e/fleet/postgres-standin.sh");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "migrate-"));
const side = { container: { dir: path.join(work, "container"), port: 15511 }, managed: { dir: path.join(work, "managed"), port: 15512 } };
type Side = keyof typeof side;
const APPS = ["app1", "app2"];
const ROWS = 20_000;

const admin = (s: Side) => fs.readFileSync(path.join(side[s].dir, "admin-password"), "utf8").trim();
const conninfo = (s: Side, db: string, user = "postgres") => `host=127.0.0.1 port=${side[s].port} user=${user} dbname=${db} sslmode=verify-full sslrootcert=${side[s].dir}/ca.pem`;

function psql(s: Side, db: string, sql: string, user = "postgres", password = admin(s)) {
    const r = spawnSync("psql", ["-XAtq", "-v", "ON_ERROR_STOP=1", conninfo(s, db, user), "-c", sql], { encoding: "utf8", env: { ...process.env, PGPASSWORD: password, ROLE_PW: "", PGTZ: "UTC" } });
    return { code: r.status ?? 1, out: r.stdout.trim(), err: r.stderr.trim() };
}
const must = (s: Side, db: string, sql: string, user?: string, password?: string) => {
    const r = psql(s, db, sql, user, password);
    assert.equal(r.code, 0, r.err);
    return r.out;
};

/** What the platform does to a PostgreSQL: an app database and role each, shared_db granted to app1. */
function provision(s: Side, passwords: Record<string, string>) {
    for (const app of APPS) {
        const r = spawnSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", conninfo(s, "postgres")], { input: appDatabaseSql(app), encoding: "utf8", env: { ...process.env, PGPASSWORD: admin(s), PLATFORM_ROLE_PASSWORD: passwords[app] } });
        assert.equal(r.status, 0, r.stderr);
    }
    const r = spawnSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", conninfo(s, "postgres")], { input: sharedDatabaseSql(["app1"], APPS), encoding: "utf8", env: { ...process.env, PGPASSWORD: admin(s), PLATFORM_ROLE_PASSWORD: "" } });
    assert.equal(r.status, 0, r.stderr);
}

const appPw = { container: { app1: "containerApp1Pw", app2: "containerApp2Pw" }, managed: { app1: "managedApp1Pw-x_", app2: "managedApp2Pw-y_" } };

/** migrate-database as rendered for the first server, its two sides replaced by the stand-ins. */
function migrate(command: string) {
    const t = { root: work, postgresContainer: "mhylle-postgres", nginxContainer: "mhylle-nginx" };
    const text = script(migrateDatabaseScript(t, { image: "unused", apps: APPS, sharedDb: true, sharedDbGrants: ["app1"] }));
    const logins = path.join(work, "logins");
    fs.writeFileSync(logins, `app1_db app1 ${appPw.managed.app1}\napp2_db app2 ${appPw.managed.app2}\npostgres postgres ${admin("managed")}\nshared_db postgres ${admin("managed")}\n`, { mode: 0o600 });
    const env = (s: Side) => `env PGHOST=127.0.0.1 PGPORT=${side[s].port} PGSSLMODE=verify-full PGSSLROOTCERT=${side[s].dir}/ca.pem`;
    const r = spawnSync("bash", ["-c", text, "migrate-database", command], {
        encoding: "utf8",
        // The container over its local socket, where any role logs in (trust), as in the image.
        env: { ...process.env, PLATFORM_MIGRATE_SOURCE: `env PGHOST=${side.container.dir} PGPORT=${side.container.port}`, PLATFORM_MIGRATE_TARGET: env("managed"), PLATFORM_MIGRATE_LOGINS: logins },
        timeout: 300_000,
    });
    const json = r.stdout.trim().split("\n").pop() ?? "";
    return { code: r.status, stderr: r.stderr, result: json.startsWith("{") ? JSON.parse(json) : undefined };
}

/** Rows and an order-independent checksum of every table, taken here (not by the script). */
function fingerprint(s: Side, db: string): Record<string, string> {
    const tables = must(s, db, "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog','information_schema') ORDER BY 1").split("\n").filter(Boolean);
    return Object.fromEntries(tables.map((t) => [t, must(s, db, `SELECT count(*) || ':' || md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))) FROM ${t} x`)]));
}

let copy: ReturnType<typeof migrate>;

before(() => {
    if (skip) return;
    // The stand-ins run as the postgres user: it must reach its folders.
    fs.chmodSync(work, 0o755);
    for (const s of ["container", "managed"] as const) {
        const r = spawnSync("bash", [STANDIN, "up", side[s].dir, "127.0.0.1", String(side[s].port)], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
    }
    // The container's local socket trusts every role, as the postgres image's pg_hba.conf does.
    const hba = path.join(side.container.dir, "data/pg_hba.conf");
    fs.writeFileSync(hba, `local all all trust\n${fs.readFileSync(hba, "utf8")}`);
    const reload = spawnSync("runuser", ["-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", path.join(side.container.dir, "data"), "reload"], { encoding: "utf8" });
    assert.equal(reload.status, 0, reload.stderr);
    provision("container", appPw.container);
    provision("managed", appPw.managed);
    // The apps' data, written by the apps' own roles as they would.
    const app1 = (sql: string) => must("container", "app1_db", sql, "app1", appPw.container.app1);
    app1("CREATE TABLE visits (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), path text, amount numeric(12,2), meta jsonb, blob bytea)");
    app1(`INSERT INTO visits (path, amount, meta, blob) SELECT '/p/' || g, g / 7.0, jsonb_build_object('g', g, 'odd', g % 2 = 1), decode(md5(g::text), 'hex') FROM generate_series(1, ${ROWS}) g`);
    app1("CREATE TABLE notes (id serial PRIMARY KEY, body text); INSERT INTO notes (body) VALUES ('ünïcode ✓'), (E'tab\\tand\\nnewline'), (NULL)");
    must("container", "app2_db", "CREATE TABLE items (sku text PRIMARY KEY, qty int); INSERT INTO items SELECT 'sku-' || g, g FROM generate_series(1, 500) g", "app2", appPw.container.app2);
    must("container", "shared_db", "CREATE TABLE shared_things (id serial, name text); INSERT INTO shared_things (name) SELECT 'thing ' || g FROM generate_series(1, 50) g", "app1", appPw.container.app1);
    copy = migrate("copy");
});

after(() => {
    if (skip) return;
    for (const s of ["container", "managed"] as const) spawnSync("bash", [STANDIN, "down", side[s].dir]);
    fs.rmSync(work, { recursive: true, force: true });
});

test("the copy succeeds and reports every database identical, with its measured write freeze", { skip }, () => {
    assert.equal(copy.code, 0, copy.stderr);
    assert.equal(copy.result.ok, true);
    assert.equal(copy.result.direction, "container-to-managed");
    assert.deepEqual(copy.result.databases.map((d: any) => [d.database, d.identical]), [["app1_db", true], ["app2_db", true], ["shared_db", true]]);
    assert.equal(copy.result.databases[0].rows, ROWS + 3);
    assert.equal(typeof copy.result.freezeSeconds, "number");
});

test("row counts and checksums taken independently are identical on both sides, table by table", { skip }, () => {
    for (const db of ["app1_db", "app2_db", "shared_db"]) assert.deepEqual(fingerprint("managed", db), fingerprint("container", db), db);
    assert.match(fingerprint("managed", "app1_db")["public.visits"], new RegExp(`^${ROWS}:[0-9a-f]{32}$`));
});

test("on the instance each app owns its tables and reaches only its own database", { skip }, () => {
    assert.equal(must("managed", "app1_db", "SELECT tableowner FROM pg_tables WHERE tablename = 'visits'"), "app1");
    assert.equal(must("managed", "app1_db", "INSERT INTO notes (body) VALUES ('written on the instance') RETURNING 1", "app1", appPw.managed.app1), "1");
    assert.match(psql("managed", "app1_db", "SELECT 1", "app2", appPw.managed.app2).err, /permission denied for database "app1_db"/);
    assert.equal(must("managed", "shared_db", "SELECT count(*) FROM shared_things", "app1", appPw.managed.app1), "50", "a granted app keeps its shared_db tables");
});

test("the sequences continue where they were: a new row does not collide", { skip }, () => {
    assert.equal(must("managed", "app1_db", "INSERT INTO visits (path) VALUES ('/after') RETURNING id", "app1", appPw.managed.app1), String(ROWS + 1));
});

test("after the copy the container takes no writes (reads go on), until unfrozen", { skip }, () => {
    const write = () => psql("container", "app2_db", "INSERT INTO items VALUES ('late', 1)", "app2", appPw.container.app2);
    assert.match(write().err, /writes are frozen: migrate-database is moving this database/);
    assert.equal(must("container", "app2_db", "SELECT count(*) FROM items", "app2", appPw.container.app2), "500");
    assert.equal(migrate("unfreeze").code, 0);
    assert.equal(write().code, 0);
    must("container", "app2_db", "DELETE FROM items WHERE sku = 'late'", "app2", appPw.container.app2);
});

test("the way back copies what the instance took since, and the container takes writes again", { skip }, () => {
    const back = migrate("back");
    assert.equal(back.code, 0, back.stderr);
    assert.ok(back.result.databases.every((d: any) => d.identical), JSON.stringify(back.result));
    assert.equal(must("container", "app1_db", "SELECT count(*) FROM notes WHERE body = 'written on the instance'"), "1");
    for (const db of ["app1_db", "app2_db", "shared_db"]) assert.deepEqual(fingerprint("container", db), fingerprint("managed", db), db);
    // (a table without a sequence: the check below compares sequences too)
    assert.equal(psql("container", "app2_db", "INSERT INTO items VALUES ('back home', 1)", "app2", appPw.container.app2).code, 0);
    must("container", "app2_db", "DELETE FROM items WHERE sku = 'back home'", "app2", appPw.container.app2);
    assert.match(psql("managed", "app1_db", "INSERT INTO notes (body) VALUES ('x')", "app1", appPw.managed.app1).err, /writes are frozen/, "the instance is frozen now");
});

test("a copy changed afterwards is caught by verify, naming the database", { skip }, () => {
    must("managed", "app2_db", migrateSql("freezeOff"));
    must("managed", "app2_db", "UPDATE items SET qty = qty + 1 WHERE sku = 'sku-7'", "app2", appPw.managed.app2);
    const v = migrate("verify");
    assert.equal(v.code, 1);
    assert.deepEqual(v.result.databases.filter((d: any) => !d.identical).map((d: any) => d.database), ["app2_db"]);
});
