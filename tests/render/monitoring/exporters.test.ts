// What postgres-exporter relies on, against real PostgreSQL 15 (the exporter images cannot be
// pulled here): the monitor role. nginx's status server is the proxy's own (tests/render/nginx).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { needs } from "../../support/requirements";
import { startCluster, Cluster } from "../../support/postgres";
import { MONITOR_ROLE, monitorRoleSql } from "../../../render/monitoring/exporters";
import { ROLE_PASSWORD_ENV } from "../../../render/database-sql";

const skipPg = needs("root", "runuser", "/usr/lib/postgresql/15/bin/initdb");
let cluster: Cluster | undefined;
after(() => cluster?.stop());

// Provision the role twice (a second `up` with a new password), then check what it may do.
let provisioned: { status: number | null; stderr: string }[] = [];
before(() => {
    if (skipPg) return;
    cluster = startCluster();
    provisioned = ["first-password", "second-password"].map((pw) => cluster!.psql(monitorRoleSql(ROLE_PASSWORD_ENV), { env: { [ROLE_PASSWORD_ENV]: pw } }));
});

test("the monitor role is provisioned again without error (idempotent)", { skip: skipPg }, () => {
    assert.equal(provisioned.length, 2);
    for (const r of provisioned) assert.equal(r.status, 0, r.stderr);
});

test("the monitor role logs in with its newest password and reads pg_stat views as pg_monitor", { skip: skipPg }, () => {
    const login = cluster!.login(MONITOR_ROLE, "second-password", "postgres", "SELECT count(*) > 0 FROM pg_stat_activity; SELECT pg_has_role(current_user, 'pg_monitor', 'member');");
    assert.equal(login.status, 0, login.stderr);
    assert.deepEqual(login.stdout.trim().split("\n"), ["t", "t"]);
});

test("the monitor role's old password no longer works", { skip: skipPg }, () => {
    assert.notEqual(cluster!.login(MONITOR_ROLE, "first-password", "postgres", "SELECT 1").status, 0);
});

test("the monitor role cannot create a table, is no superuser, creates no database or role and holds at most 3 connections", { skip: skipPg }, () => {
    const write = cluster!.login(MONITOR_ROLE, "second-password", "postgres", "CREATE TABLE x (i int);");
    assert.notEqual(write.status, 0);
    assert.match(write.stderr, /permission denied/);
    const attrs = cluster!.psql(`SELECT rolsuper, rolcreatedb, rolcreaterole, rolconnlimit FROM pg_roles WHERE rolname = '${MONITOR_ROLE}';`).stdout;
    assert.match(attrs, /^\s*f\s*\|\s*f\s*\|\s*f\s*\|\s*3\s*$/m);
});
