// The database SQL against a real PostgreSQL 15: idempotent, and each role reaches only its own database.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { appDatabaseSql, baselineSql, retireAppSql, ROLE_PASSWORD_ENV, sharedDatabaseSql } from "../../render/database-sql";
import { Cluster, PG_BIN, startCluster } from "../support/postgres";
import { needs } from "../support/requirements";

const skip = needs("root") || (fs.existsSync(`${PG_BIN}/initdb`) ? false : needs(`${PG_BIN}/initdb`));
let pg: Cluster;
const apps = ["app1", "app2", "my-app"];
const pw = (app: string, round = 1) => `pw-${app}-${round}-Secret`;

function provision(round: number) {
    for (const app of apps) {
        const r = pg.psql(appDatabaseSql(app), { env: { [ROLE_PASSWORD_ENV]: pw(app, round) } });
        assert.equal(r.status, 0, `${app} round ${round}: ${r.stderr}`);
    }
    const shared = pg.psql(sharedDatabaseSql(["app1"], apps));
    assert.equal(shared.status, 0, shared.stderr);
}

before(() => {
    if (skip) return;
    pg = startCluster();
});
after(() => pg?.stop());

test("provisioning runs twice without error (idempotent)", { skip }, () => {
    provision(1);
    provision(1);
    const dbs = pg.psql("SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datname LIKE '%_db';", {}).stdout;
    assert.equal(pg.psql("\\pset tuples_only on\nSELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datname LIKE '%\\_db';").stdout.trim(), "app1_db,app2_db,my_app_db,shared_db", dbs);
});

test("each role works in its own database", { skip }, () => {
    for (const app of apps) {
        const db = `${app.replace(/-/g, "_")}_db`;
        const r = pg.login(app.replace(/-/g, "_"), pw(app), db, "CREATE TABLE IF NOT EXISTS t(x int); INSERT INTO t VALUES (1); SELECT count(*) FROM t;");
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout.trim(), /^\d+$/);
    }
});

test("app1's role is refused on app2_db, and app2's on app1_db", { skip }, () => {
    const a = pg.login("app1", pw("app1"), "app2_db", "SELECT 1");
    assert.notEqual(a.status, 0);
    assert.match(a.stderr, /permission denied for database "?app2_db"?/);
    const b = pg.login("app2", pw("app2"), "app1_db", "SELECT 1");
    assert.notEqual(b.status, 0);
    assert.match(b.stderr, /permission denied for database "?app1_db"?/);
});

test("app roles cannot connect to the maintenance databases", { skip }, () => {
    assert.equal(pg.psql(baselineSql()).status, 0);
    assert.equal(pg.psql(baselineSql()).status, 0, "idempotent");
    for (const db of ["postgres", "template1"]) {
        const r = pg.login("app1", pw("app1"), db, "SELECT 1");
        assert.notEqual(r.status, 0, `${db} must refuse app1`);
        assert.match(r.stderr, /permission denied for database/);
    }
});

test("shared_db: granted apps connect and create, others are refused", { skip }, () => {
    const ok = pg.login("app1", pw("app1"), "shared_db", "CREATE TABLE IF NOT EXISTS shared_t(x int); SELECT 1;");
    assert.equal(ok.status, 0, ok.stderr);
    const refused = pg.login("app2", pw("app2"), "shared_db", "SELECT 1");
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /permission denied for database "?shared_db"?/);
});

test("a new password replaces the old one on the next run", { skip }, () => {
    provision(2);
    assert.notEqual(pg.login("app1", pw("app1", 1), "app1_db", "SELECT 1").status, 0);
    assert.equal(pg.login("app1", pw("app1", 2), "app1_db", "SELECT 1").status, 0);
});

test("retiring an app keeps its data and stops its logins", { skip }, () => {
    assert.equal(pg.psql(retireAppSql("app2")).status, 0);
    const r = pg.login("app2", pw("app2", 2), "app2_db", "SELECT 1");
    assert.match(r.stderr, /not permitted to log in/);
    assert.match(pg.psql("SELECT datname FROM pg_database WHERE datname = 'app2_db';").stdout, /app2_db/);
});

test("the SQL text holds no password", () => {
    assert.doesNotMatch(appDatabaseSql("app1"), /PASSWORD '/);
    assert.match(appDatabaseSql("app1"), new RegExp(`\\\\getenv role_password ${ROLE_PASSWORD_ENV}`));
});
